import { join } from 'node:path';
import type { BenchUpstream } from './bench-upstream.js';
import { startLadingServer, type RunningLadingServer } from './lading-server.js';
import { startPeerRegistry, type RunningPeer } from './peer-registry.js';

export interface BenchTargets {
  lading: RunningLadingServer;
  peer: RunningPeer;
  stop(): Promise<void>;
}

let generation = 0;

/** lading and the peer, each on a fresh empty cache of the same upstream. */
export async function startFreshTargets(workDir: string, upstream: BenchUpstream): Promise<BenchTargets> {
  generation += 1;
  const lading = await startLadingServer({ workDir, dataDir: join(workDir, `lading-data-${generation}`), upstreamUrl: upstream.url });
  const peer = await startPeerRegistry({ workDir, storageDir: join(workDir, `peer-storage-${generation}`), upstreamUrl: upstream.url }).catch(
    async (error: unknown) => {
      await lading.stop();
      throw error;
    },
  );
  return {
    lading,
    peer,
    stop: async () => {
      await Promise.all([lading.stop(), peer.stop()]);
    },
  };
}
