// Fault injection for the fake upstream: each fault has an optional matcher and a count, and
// is taken (counted down) only by a response it actually shapes.

export type ServerName = 'registry' | 'cdn' | 'auth';

export interface FaultMatch {
  server?: ServerName;
  method?: string;
  path?: RegExp;
}

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'throttle'; bytesPerSecond: number }
  | { kind: 'cut'; afterBytes: number }
  | { kind: 'corrupt'; atByte: number }
  | { kind: 'hang' }
  | { kind: 'pause'; gate: Promise<void>; afterBytes: number };

export type FaultKind = Fault['kind'];

export interface Faults {
  /** `times` defaults to Infinity; several faults may combine (e.g. delay + throttle). */
  add(fault: Fault, options?: { match?: FaultMatch; times?: number }): void;
  clear(): void;
}

export interface FaultTarget {
  server: ServerName;
  method: string;
  path: string;
}

interface ArmedFault {
  fault: Fault;
  match: FaultMatch;
  remaining: number;
}

/** True when `target` satisfies every field `match` sets (path is tested against the path without query). */
export function matchesTarget(match: FaultMatch, target: FaultTarget): boolean {
  if (match.server !== undefined && match.server !== target.server) return false;
  if (match.method !== undefined && match.method.toUpperCase() !== target.method.toUpperCase()) return false;
  if (match.path !== undefined) {
    match.path.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
    if (!match.path.test(target.path)) return false;
  }
  return true;
}

/**
 * The armed faults. A fault without `match.server` applies to the registry and cdn listeners
 * only: an unscoped "every request fails" must not also break the token endpoint, which a
 * test has to name explicitly (`match: { server: 'auth' }`).
 */
export class FaultList implements Faults {
  #armed: ArmedFault[] = [];

  add(fault: Fault, options: { match?: FaultMatch; times?: number } = {}): void {
    const times = options.times ?? Infinity;
    if (!(times > 0)) throw new Error(`fault times must be > 0, got ${times}`);
    this.#armed.push({ fault, match: options.match ?? {}, remaining: times });
  }

  clear(): void {
    this.#armed = [];
  }

  /** Takes the earliest-added matching fault of `kind`, counting it down; at most one per kind per response. */
  take<K extends FaultKind>(kind: K, target: FaultTarget): Extract<Fault, { kind: K }> | undefined {
    const index = this.#armed.findIndex(
      (armed) =>
        armed.fault.kind === kind &&
        armed.remaining > 0 &&
        (armed.match.server !== undefined || target.server !== 'auth') &&
        matchesTarget(armed.match, target),
    );
    const armed = this.#armed[index];
    if (armed === undefined) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#armed.splice(index, 1);
    return armed.fault as Extract<Fault, { kind: K }>;
  }
}
