// Connection bounds and slow clients (issue 8): a slowloris (headers trickled byte by byte) and
// a socket that sends nothing are answered 408 and closed after the header timeout while others
// are served; thousands of concurrent connections past `maxConnections` each get a plain 503 with
// an OCI body and the server keeps serving; oversized headers → 431 with an OCI body; a client
// that stops reading a blob is cut after the socket idle timeout. Short limits via serverLimits.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const WAIT_TIMEOUT_MS = 20_000;
const PING = 'GET /v2/ HTTP/1.1\r\nHost: mirror\r\n\r\n';

interface RawReply {
  /** Everything the server sent before it closed (or the wait ended). */
  text: string;
  closed: boolean;
}

/** Opens a raw connection; `reply` resolves with what arrived once the server ends it. */
function rawConnection(url: string): { socket: Socket; connected: Promise<void>; reply: Promise<RawReply> } {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const reply = new Promise<RawReply>((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, WAIT_TIMEOUT_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    };
    socket.once('end', done);
    socket.once('close', done);
    socket.on('error', () => {}); // a reset after the answer is fine; `closed` says enough
  });
  return { socket, connected, reply };
}

function ociBody(text: string): { errors: { code: string; message: string }[] } {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { errors: { code: string; message: string }[] };
}

async function ping(url: string): Promise<number> {
  const response = await request(`${url}/v2/`);
  await response.body.dump();
  return response.statusCode;
}

/** Sockets this process may open: each connection costs two descriptors here (client and server). */
function connectionBudget(wanted: number): number {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const soft = Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? 1024);
  return Math.min(wanted, Math.floor((soft - 256) / 2));
}

describe('slow clients', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let bigDigest: string;

  beforeAll(async () => {
    hub = await FakeUpstream.start({ redirectBlobsToCdn: false });
    bigDigest = hub.addBlob('library/big', randomBytes(32 * 1024 * 1024));
    mirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: hub.url }],
      serverLimits: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, timeoutCheckIntervalMs: 100, socketIdleTimeoutMs: 3_000 },
    });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('slowloris sockets trickling headers get 408 and are closed; others are served meanwhile', async () => {
    const head = 'GET /v2/ HTTP/1.1\r\nHost: mirror\r\nX-Slow: ' + 'a'.repeat(1_000);
    const attackers = Array.from({ length: 20 }, () => rawConnection(mirror.url));
    await Promise.all(attackers.map((attacker) => attacker.connected));
    let sent = 0;
    const trickle = setInterval(() => {
      const byte = head[sent % head.length] ?? 'a';
      sent += 1;
      for (const attacker of attackers) if (!attacker.socket.destroyed && attacker.socket.writable) attacker.socket.write(byte);
    }, 50);
    try {
      expect(await ping(mirror.url)).toBe(200);
      const replies = await Promise.all(attackers.map((attacker) => attacker.reply));
      for (const reply of replies) {
        expect(reply.closed).toBe(true);
        expect(reply.text).toMatch(/^HTTP\/1\.1 408 /);
        expect(ociBody(reply.text).errors[0]?.code).toBe('UNSUPPORTED');
      }
    } finally {
      clearInterval(trickle);
    }
    expect(await ping(mirror.url)).toBe(200);
  });

  it('a connection that sends nothing is closed after the header timeout', async () => {
    const silent = rawConnection(mirror.url);
    await silent.connected;
    const reply = await silent.reply;
    expect(reply.closed).toBe(true);
    expect(reply.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a client that stops reading a blob is cut after the socket idle timeout', async () => {
    const reader = rawConnection(mirror.url);
    await reader.connected;
    reader.socket.write(`GET /v2/big/blobs/${bigDigest} HTTP/1.1\r\nHost: mirror\r\n\r\n`);
    reader.socket.pause(); // never reads: the server's writes back up and then nothing moves
    const deadline = Date.now() + WAIT_TIMEOUT_MS;
    const isCut = (): boolean =>
      mirror.logLines.some((line) => line.msg === 'request' && String(line.path).includes(bigDigest) && line.aborted === true);
    while (!isCut()) {
      if (Date.now() > deadline) throw new Error('the stalled blob response was not cut');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    reader.socket.destroy();
    expect(await ping(mirror.url)).toBe(200);
  });

  it('request headers over 16 KiB → 431 with an OCI body; the server keeps serving', async () => {
    const big = rawConnection(mirror.url);
    await big.connected;
    big.socket.write(`GET /v2/ HTTP/1.1\r\nHost: mirror\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`);
    const reply = await big.reply;
    expect(reply.text).toMatch(/^HTTP\/1\.1 431 /);
    expect(reply.text).toContain('\r\nConnection: close\r\n');
    expect(ociBody(reply.text).errors[0]).toMatchObject({ code: 'UNSUPPORTED', message: 'request headers larger than 16384 bytes' });
    expect(await ping(mirror.url)).toBe(200);
  });

  it('a malformed request line → 400 with an OCI body', async () => {
    const bad = rawConnection(mirror.url);
    await bad.connected;
    bad.socket.write('GARBAGE\0 / HTTP/9\r\n\r\n');
    const reply = await bad.reply;
    expect(reply.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(ociBody(reply.text).errors[0]?.code).toBe('UNSUPPORTED');
  });
});

describe('connections past maxConnections', () => {
  const MAX_CONNECTIONS = 50;
  let hub: FakeUpstream;
  let mirror: TestMirror;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    // Idle keep-alive connections are the held ones: keep them long enough for the flood.
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }], maxConnections: MAX_CONNECTIONS, serverLimits: { keepAliveTimeoutMs: 60_000 } });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('thousands of connections past the bound each get 503 with Connection: close; held ones and later ones are served', async () => {
    // Fill the bound with keep-alive connections that each had a full answer (so the server counted them).
    const held = Array.from({ length: MAX_CONNECTIONS }, () => rawConnection(mirror.url));
    await Promise.all(held.map((connection) => connection.connected));
    for (const connection of held) connection.socket.write(PING);
    const answered = (connection: { socket: Socket }): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer on a held connection')), WAIT_TIMEOUT_MS);
        const onData = (chunk: string): void => {
          if (!chunk.includes('{}')) return;
          clearTimeout(timer);
          connection.socket.off('data', onData);
          resolve();
        };
        connection.socket.on('data', onData);
      });
    await Promise.all(held.map(answered));

    const floodSize = connectionBudget(2_000);
    const flood = Array.from({ length: floodSize }, () => rawConnection(mirror.url));
    for (const connection of flood) {
      connection.connected.then(() => connection.socket.write(PING), () => {});
    }
    const replies = await Promise.all(flood.map((connection) => connection.reply));
    const refused = replies.filter((reply) => reply.text.startsWith('HTTP/1.1 503 '));
    expect(refused).toHaveLength(floodSize);
    const sample = refused[0]?.text ?? '';
    expect(sample).toContain('\r\nConnection: close\r\n');
    expect(sample).toContain('\r\nRetry-After: 1\r\n');
    expect(ociBody(sample).errors[0]).toMatchObject({ code: 'UNAVAILABLE', message: `lading serves at most ${MAX_CONNECTIONS} connections at once; retry shortly` });
    expect(replies.every((reply) => reply.closed)).toBe(true);

    // A held connection still works, and once they close new connections are served again.
    const again = answered(held[0]!);
    held[0]!.socket.write(PING);
    await again;
    for (const connection of held) connection.socket.end();
    await Promise.all(held.map((connection) => connection.reply));
    expect(await ping(mirror.url)).toBe(200);
  });
});
