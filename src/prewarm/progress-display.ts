import { finishedImageLine, runningImageLine } from './image-line.js';
import type { ImageProgress } from './image-progress.js';

/** Where prewarm shows progress: a redrawn block on a terminal, plain lines elsewhere. */
export interface ProgressDisplay {
  /** Something changed for a running image; may be called for every chunk received. */
  update(image: ImageProgress): void;
  /** The image succeeded or failed; its final line. */
  finish(image: ImageProgress): void;
  /** Draws a last time and stops any timer; nothing is written after it. */
  close(): void;
}

/** Not a TTY (CI, pipes, tests): one line per finished image, nothing else. */
export class PlainProgressDisplay implements ProgressDisplay {
  constructor(private readonly write: (text: string) => void) {}

  update(_image: ImageProgress): void {}

  finish(image: ImageProgress): void {
    this.write(`${finishedImageLine(image)}\n`);
  }

  close(): void {}
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

/**
 * A terminal: finished images print once and scroll away, running ones are a block redrawn in
 * place (at most every `redrawIntervalMs`). Lines are cut to the width, since a wrapped line
 * would throw off the cursor-up count, and the block is cut to the height for the same reason.
 */
export class TerminalProgressDisplay implements ProgressDisplay {
  readonly #running = new Map<ImageProgress, true>();
  readonly #finishedLines: string[] = [];
  #drawnLines = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly size: () => TerminalSize,
    private readonly redrawIntervalMs = 100,
  ) {}

  update(image: ImageProgress): void {
    if (this.#closed) return;
    this.#running.set(image, true);
    this.#timer ??= setTimeout(() => this.#draw(), this.redrawIntervalMs).unref();
  }

  finish(image: ImageProgress): void {
    if (this.#closed) return;
    this.#running.delete(image);
    this.#finishedLines.push(finishedImageLine(image));
    this.#draw();
  }

  close(): void {
    if (this.#closed) return;
    this.#draw();
    this.#closed = true;
  }

  #draw(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const { columns, rows } = this.size();
    const width = Math.max(20, columns - 1);
    // Cursor to the start of the block, then clear to the end of the screen.
    let out = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}F\x1b[J` : '';
    for (const line of this.#finishedLines.splice(0)) out += `${line}\n`;
    const running = [...this.#running.keys()];
    const room = Math.max(1, rows - 2);
    const shown = running.length > room ? running.slice(0, room - 1) : running;
    const lines = shown.map((image) => cut(runningImageLine(image), width));
    if (shown.length < running.length) lines.push(`… and ${running.length - shown.length} more`);
    for (const line of lines) out += `${line}\n`;
    this.#drawnLines = lines.length;
    if (out !== '') this.write(out);
  }
}

function cut(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
