import { REQUEST_KINDS, REQUEST_OUTCOMES, type Recorder, type RequestKind, type RequestOutcome } from './recorder.js';

export interface UpstreamCounters {
  calls: number;
  failures: number;
  consecutiveFailures: number;
  lastError: string | undefined;
  lastErrorAtMs: number | undefined;
  lastLatencyMs: number | undefined;
  /** Exponentially weighted average latency of successful calls. */
  averageLatencyMs: number | undefined;
  bytesFetched: number;
}

const TOP_REPOSITORIES_TRACKED = 1000;

/** In-memory counters behind /_lading/stats and /metrics. Exact counts, no sampling. */
export class StatsRecorder implements Recorder {
  readonly requests: Record<RequestKind, Record<RequestOutcome, number>> = Object.fromEntries(
    REQUEST_KINDS.map((kind) => [kind, Object.fromEntries(REQUEST_OUTCOMES.map((o) => [o, 0]))]),
  ) as Record<RequestKind, Record<RequestOutcome, number>>;
  servedFromCacheBytes = 0;
  fetchedFromUpstreamBytes = 0;
  evictions = 0;
  evictedBytes = 0;
  readonly upstreams = new Map<string, UpstreamCounters>();
  /** Requests per client repository name; bounded so hostile names cannot grow memory. */
  readonly repositories = new Map<string, number>();

  request(kind: RequestKind, outcome: RequestOutcome, clientRepository: string | undefined): void {
    this.requests[kind][outcome]++;
    if (clientRepository === undefined) return;
    const count = this.repositories.get(clientRepository);
    if (count !== undefined) this.repositories.set(clientRepository, count + 1);
    else if (this.repositories.size < TOP_REPOSITORIES_TRACKED) this.repositories.set(clientRepository, 1);
  }

  bytesServedFromCache(bytes: number): void {
    this.servedFromCacheBytes += bytes;
  }

  bytesFetchedFromUpstream(upstream: string, bytes: number): void {
    this.fetchedFromUpstreamBytes += bytes;
    this.upstream(upstream).bytesFetched += bytes;
  }

  upstreamCall(upstream: string, result: { ok: boolean; latencyMs: number; error?: string }): void {
    const counters = this.upstream(upstream);
    counters.calls++;
    counters.lastLatencyMs = result.latencyMs;
    if (result.ok) {
      counters.consecutiveFailures = 0;
      counters.averageLatencyMs =
        counters.averageLatencyMs === undefined ? result.latencyMs : counters.averageLatencyMs * 0.8 + result.latencyMs * 0.2;
    } else {
      counters.failures++;
      counters.consecutiveFailures++;
      counters.lastError = result.error;
      counters.lastErrorAtMs = Date.now();
    }
  }

  eviction(bytes: number): void {
    this.evictions++;
    this.evictedBytes += bytes;
  }

  topRepositories(limit: number): { repository: string; requests: number }[] {
    return [...this.repositories.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([repository, requests]) => ({ repository, requests }));
  }

  upstream(name: string): UpstreamCounters {
    let counters = this.upstreams.get(name);
    if (!counters) {
      counters = {
        calls: 0,
        failures: 0,
        consecutiveFailures: 0,
        lastError: undefined,
        lastErrorAtMs: undefined,
        lastLatencyMs: undefined,
        averageLatencyMs: undefined,
        bytesFetched: 0,
      };
      this.upstreams.set(name, counters);
    }
    return counters;
  }
}
