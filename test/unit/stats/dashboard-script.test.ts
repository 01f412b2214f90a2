// Runs the dashboard's inline script in a VM against a tiny fake DOM: hostile strings in the
// stats (a repository name, an upstream error) end up as text, and any attempt to write markup
// would throw. Also checks the token from the URL fragment is sent as a Bearer credential.
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_HTML } from '../../../src/http/dashboard-page.js';
import type { StatsSnapshot } from '../../../src/stats/snapshot.js';

const HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

class FakeElement {
  textContent = '';
  className = '';
  colSpan = 1;
  readonly style: Record<string, string> = {};
  readonly children: FakeElement[] = [];
  constructor(readonly tagName: string) {}
  append(...nodes: FakeElement[]): void {
    this.children.push(...nodes);
  }
  replaceChildren(...nodes: FakeElement[]): void {
    this.children.splice(0, this.children.length, ...nodes);
  }
  set innerHTML(_value: string) {
    throw new Error('the dashboard wrote markup (innerHTML)');
  }
  set outerHTML(_value: string) {
    throw new Error('the dashboard wrote markup (outerHTML)');
  }
  insertAdjacentHTML(): void {
    throw new Error('the dashboard wrote markup (insertAdjacentHTML)');
  }
  /** Every text in this subtree, depth first. */
  texts(): string[] {
    return [this.textContent, ...this.children.flatMap((child) => child.texts())];
  }
}

function snapshot(): StatsSnapshot {
  const zero = { hit: 0, miss: 0, joined: 0, stale: 0, revalidated: 0, error: 0 };
  return {
    version: '0.1.0',
    uptimeSeconds: 3725,
    cache: { bytes: 512 * 1024 * 1024, maxBytes: 1024 * 1024 * 1024, blobs: 7, pinnedBytes: 0, diskFull: false },
    requests: { blob: { ...zero, hit: 3, miss: 1 }, manifest: zero, tag: zero },
    bytes: { servedFromCache: 3000, fetchedFromUpstream: 1000 },
    hitRatio: { requests: 0.75, bytes: 0.75 },
    fills: [{ digest: `sha256:${'a'.repeat(64)}`, upstream: 'docker.io', repository: HOSTILE, bytes: 10, totalBytes: 100, readers: 2, ageMs: 1500 }],
    evictions: { count: 0, bytes: 0 },
    upstreams: [
      {
        name: 'docker.io',
        url: 'https://registry-1.docker.io',
        default: true,
        state: 'degraded',
        lastError: HOSTILE,
        latencyMs: 42,
        calls: 5,
        failures: 1,
        rateLimit: { limit: 100, remaining: 76, observedAt: new Date(0).toISOString() },
        tokensCached: 1,
      },
    ],
    topRepositories: [{ repository: HOSTILE, requests: 4 }],
  };
}

interface Run {
  elements: Map<string, FakeElement>;
  requests: { url: string; headers: Record<string, string> }[];
  nextPollMs: number | undefined;
}

/** Runs the page's script once: one poll, rendered, until it schedules the next one. */
async function runDashboard(answer: { status: number; body: unknown }, hash: string): Promise<Run> {
  const script = /<script>([\s\S]*?)<\/script>/.exec(DASHBOARD_HTML)?.[1];
  if (script === undefined) throw new Error('no inline script in the dashboard page');
  const elements = new Map<string, FakeElement>();
  for (const [, id] of DASHBOARD_HTML.matchAll(/id="([^"]+)"/g)) elements.set(id ?? '', new FakeElement('div'));
  const run: Run = { elements, requests: [], nextPollMs: undefined };
  const scheduled = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the dashboard never scheduled its next poll')), 5_000);
    const context = {
      document: {
        getElementById: (id: string) => elements.get(id) ?? null,
        createElement: (tag: string) => new FakeElement(tag),
      },
      location: { hash },
      URLSearchParams,
      Date,
      Error,
      fetch: async (url: string, init: { headers: Record<string, string> }) => {
        run.requests.push({ url, headers: init.headers });
        return { status: answer.status, ok: answer.status === 200, json: async () => answer.body };
      },
      setTimeout: (_callback: unknown, ms: number) => {
        run.nextPollMs = ms;
        clearTimeout(timer);
        resolve();
      },
    };
    vm.runInNewContext(script, context);
  });
  await scheduled;
  return run;
}

describe('dashboard script', () => {
  it('renders hostile strings as text and sends the fragment token as Bearer', async () => {
    const run = await runDashboard({ status: 200, body: snapshot() }, '#token=abc%20def');
    expect(run.requests).toEqual([{ url: '/_lading/stats', headers: { Authorization: 'Bearer abc def' } }]);
    expect(run.nextPollMs).toBe(2000);
    const text = (id: string) => run.elements.get(id)?.texts() ?? [];
    expect(text('status')[0]).toMatch(/^updated /);
    expect(text('hit-requests')).toEqual(['75.0 %']);
    expect(text('saved')).toEqual(['2.93 KiB']);
    expect(text('cache-sub')[0]).toBe('of 1.00 GiB, 7 blobs, 0 B pinned');
    expect(run.elements.get('cache-meter')?.style.width).toBe('50%');
    expect(text('repositories')).toContain(HOSTILE);
    expect(text('fills')).toContain(HOSTILE);
    expect(text('upstreams')).toEqual(expect.arrayContaining([HOSTILE, 'degraded', '42 ms', '76 / 100 (76.0 %)', 'docker.io (default)']));
  });

  it('without a token sends no Authorization and explains a 401', async () => {
    const run = await runDashboard({ status: 401, body: {} }, '');
    expect(run.requests).toEqual([{ url: '/_lading/stats', headers: {} }]);
    const status = run.elements.get('status');
    expect(status?.textContent).toContain('#token=');
    expect(status?.className).toBe('error');
    expect(run.nextPollMs).toBe(2000);
  });
});
