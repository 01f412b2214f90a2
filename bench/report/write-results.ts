import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchSettings } from '../bench-settings.js';
import type { ResultRow } from './result-row.js';

export interface BenchEnvironment {
  date: string;
  cpuCount: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  peer: string;
  nginx: string;
  /** Load average over 1, 5 and 15 minutes when the run ended: how busy the machine was. */
  loadAverage: number[];
  elapsedSec: number;
}

export function renderMarkdown(rows: ResultRow[], environment: BenchEnvironment, settings: BenchSettings): string {
  const e = environment;
  const lines = [
    `# lading benchmark (${settings.mode})`,
    '',
    `${e.date} · ${e.cpuCount} × ${e.cpuModel}, ${e.memoryGiB} GiB · Linux ${e.kernel} · Node ${e.node} · peer: ${e.peer} · ${e.nginx}`,
    `Load average at the end ${e.loadAverage.map((n) => n.toFixed(2)).join(' / ')} · run took ${e.elapsedSec.toFixed(0)} s · all on 127.0.0.1, produced by \`npm run bench${settings.mode === 'quick' ? ' -- --quick' : ''}\`.`,
    '',
    '| Scenario | lading | peer (distribution proxy) | nginx / direct | ratio |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${[row.scenario, row.lading, row.peer, row.reference, row.ratio].map(escapeCell).join(' | ')} |`),
    '',
  ];
  return lines.join('\n');
}

export async function writeResults(
  paths: { markdown: string; json: string },
  rows: ResultRow[],
  environment: BenchEnvironment,
  settings: BenchSettings,
): Promise<string> {
  const markdown = renderMarkdown(rows, environment, settings);
  await mkdir(dirname(paths.markdown), { recursive: true });
  await writeFile(paths.markdown, markdown);
  await writeFile(paths.json, `${JSON.stringify({ environment, settings, rows }, null, 2)}\n`);
  return markdown;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}
