import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newImageProgress, type ImageProgress } from '../../../src/prewarm/image-progress.js';
import { PlainProgressDisplay, TerminalProgressDisplay } from '../../../src/prewarm/progress-display.js';

function done(text: string): ImageProgress {
  return { ...newImageProgress(text), state: 'done', blobsTotal: 1, blobsDone: 1, bytesTotal: 10, bytesDone: 10, bytesBySource: { upstream: 10, cache: 0, unknown: 0 } };
}

describe('PlainProgressDisplay', () => {
  it('prints one line per finished image and nothing while images run', () => {
    const written: string[] = [];
    const display = new PlainProgressDisplay((text) => written.push(text));
    const image = newImageProgress('alpine:3.20');
    display.update(image);
    display.finish(done('alpine:3.20'));
    display.close();
    expect(written).toEqual(['alpine:3.20: 1/1 blobs, 10 B, from upstream 10 B, from cache 0 B\n']);
  });
});

describe('TerminalProgressDisplay', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('redraws the running block in place at most once per interval, and prints finished lines above it', () => {
    const written: string[] = [];
    const display = new TerminalProgressDisplay((text) => written.push(text), () => ({ columns: 120, rows: 40 }), 100);
    const a = newImageProgress('a:1');
    const b = newImageProgress('b:1');
    display.update(a);
    display.update(b);
    display.update(a);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(written).toEqual(['a:1: resolving\nb:1: resolving\n']);

    Object.assign(a, done('a:1'));
    display.finish(a);
    expect(written[1]).toBe('\x1b[2F\x1b[Ja:1: 1/1 blobs, 10 B, from upstream 10 B, from cache 0 B\nb:1: resolving\n');
    display.close();
    expect(written[2]).toBe('\x1b[1F\x1b[Jb:1: resolving\n');
    display.update(b);
    vi.advanceTimersByTime(1_000);
    expect(written).toHaveLength(3);
  });

  it('cuts lines to the terminal width and the block to its height', () => {
    const written: string[] = [];
    const display = new TerminalProgressDisplay((text) => written.push(text), () => ({ columns: 30, rows: 4 }), 100);
    for (const name of ['a-very-long-image-name-indeed:1', 'b:1', 'c:1', 'd:1']) display.update(newImageProgress(name));
    vi.advanceTimersByTime(100);
    expect(written).toEqual(['a-very-long-image-name-indee…\n… and 3 more\n']);
  });
});
