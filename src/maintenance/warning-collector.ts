import type { Logger } from '../log/logger.js';

/**
 * A Logger for library code run by an offline tool (the Evictor in gc): warnings and errors are
 * kept for the tool's report instead of becoming JSON log lines on its output.
 */
export class WarningCollector implements Logger {
  readonly messages: string[] = [];

  debug(): void {}
  info(): void {}

  warn(message: string, fields?: Record<string, unknown>): void {
    this.messages.push(describe(message, fields));
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.messages.push(describe(message, fields));
  }
}

function describe(message: string, fields: Record<string, unknown> = {}): string {
  const parts = Object.entries(fields).map(([key, value]) => `${key}=${value instanceof Error ? value.message : JSON.stringify(value)}`);
  return parts.length === 0 ? message : `${message} (${parts.join(', ')})`;
}
