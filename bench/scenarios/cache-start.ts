import { join } from 'node:path';
import { request } from 'undici';
import { fixed, thousands, times, NONE, type ResultRow } from '../report/result-row.js';
import { BENCH_REPOSITORY } from '../servers/bench-upstream.js';
import { startLadingServer } from '../servers/lading-server.js';
import { startPeerRegistry } from '../servers/peer-registry.js';
import { makeSmallBlobs, seedLadingStore, seedPeerStore, type SeedBlob } from '../support/seed-stores.js';
import type { BenchContext } from './bench-context.js';

const DEFAULT_UPSTREAM_NAME = 'docker.io';

/**
 * Cache start: time from spawn to serving with `cacheStartBlobCount` small blobs already in
 * the store (written in each server's own layout), against the same start on an empty store.
 * lading is ready at its "listening on" line; the peer at its first 200 for GET /v2/ (polled
 * every 5 ms). One seeded blob is then fetched from each to show the seeding is valid.
 */
export async function cacheStart(context: BenchContext): Promise<ResultRow[]> {
  const { settings, workDir, upstream } = context;
  const ladingDir = join(workDir, 'lading-data-start');
  const peerDir = join(workDir, 'peer-storage-start');

  const emptyLading = await startLadingServer({ workDir, dataDir: ladingDir, upstreamUrl: upstream.url });
  await emptyLading.stop();
  const emptyPeer = await startPeerRegistry({ workDir, storageDir: join(workDir, 'peer-storage-empty'), upstreamUrl: upstream.url });
  await emptyPeer.stop();

  context.log(`cache start: writing ${thousands(settings.cacheStartBlobCount)} blobs into both stores`);
  const blobs = makeSmallBlobs(settings.cacheStartBlobCount, settings.cacheStartBlobSizeBytes);
  await seedLadingStore(ladingDir, DEFAULT_UPSTREAM_NAME, BENCH_REPOSITORY, blobs);
  await seedPeerStore(peerDir, BENCH_REPOSITORY, blobs);
  const probe = blobs[Math.floor(blobs.length / 2)];
  if (probe === undefined) throw new Error('cache start: no blobs');

  context.log('cache start: lading');
  const lading = await startLadingServer({ workDir, dataDir: ladingDir, upstreamUrl: upstream.url });
  try {
    await expectCached(`${lading.url}/v2/${BENCH_REPOSITORY}/blobs/${probe.digest}`, probe, () => upstream.blobRequestCount(probe.digest));
  } finally {
    await lading.stop();
  }
  context.log('cache start: peer');
  const peer = await startPeerRegistry({ workDir, storageDir: peerDir, upstreamUrl: upstream.url });
  try {
    await expectCached(`${peer.url}/v2/${BENCH_REPOSITORY}/blobs/${probe.digest}`, probe, () => upstream.blobRequestCount(probe.digest));
  } finally {
    await peer.stop();
  }
  return [
    {
      scenario: `cache start with ${thousands(settings.cacheStartBlobCount)} small blobs in the store (ms)`,
      lading: fixed(lading.startMs, 0),
      peer: fixed(peer.startMs, 0),
      reference: NONE,
      ratio: `lading ÷ peer ${times(lading.startMs, peer.startMs)}; empty store: lading ${fixed(emptyLading.startMs, 0)}, peer ${fixed(emptyPeer.startMs, 0)}`,
      values: {
        blobCount: settings.cacheStartBlobCount,
        ladingStartMs: lading.startMs,
        peerStartMs: peer.startMs,
        ladingEmptyStartMs: emptyLading.startMs,
        peerEmptyStartMs: emptyPeer.startMs,
      },
    },
  ];
}

/** The seeded blob is served, byte-exact, without asking upstream. */
async function expectCached(url: string, blob: SeedBlob, upstreamRequestsForBlob: () => number): Promise<void> {
  const before = upstreamRequestsForBlob();
  const response = await request(url, { headersTimeout: 30_000, bodyTimeout: 30_000 });
  const body = Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode !== 200 || !body.equals(blob.bytes)) {
    throw new Error(`cache start: seeded blob ${blob.digest} not served from the store (${response.statusCode}, ${body.length} bytes)`);
  }
  if (upstreamRequestsForBlob() !== before) throw new Error(`cache start: serving seeded blob ${blob.digest} asked the upstream`);
}
