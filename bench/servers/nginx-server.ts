import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../test/support/free-port.js';
import { startTracked, type TrackedProcess } from '../support/tracked-process.js';
import { waitForHttp } from '../support/wait-for-http.js';

const NGINX_BINARY = '/usr/sbin/nginx';
const READY_TIMEOUT_MS = 30_000;

export interface RunningNginx {
  url: string;
  pid: number;
  process: TrackedProcess;
  stop(): Promise<void>;
}

/**
 * nginx serving `rootDir` with sendfile, as the ceiling for a warm blob: own prefix and config
 * in `workDir`, `daemon off` so the master stays our child and is stopped by its PID.
 */
export async function startNginx(options: { workDir: string; rootDir: string }): Promise<RunningNginx> {
  const port = await freePort();
  await writeFile(join(options.rootDir, 'ready.txt'), 'ready\n');
  const prefix = join(options.workDir, `nginx-${port}`);
  await mkdir(join(prefix, 'logs'), { recursive: true });
  await mkdir(join(prefix, 'tmp'), { recursive: true });
  const configPath = join(prefix, 'nginx.conf');
  await writeFile(
    configPath,
    `daemon off;
worker_processes auto;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${join(prefix, 'tmp')};
  proxy_temp_path ${join(prefix, 'tmp')};
  fastcgi_temp_path ${join(prefix, 'tmp')};
  uwsgi_temp_path ${join(prefix, 'tmp')};
  scgi_temp_path ${join(prefix, 'tmp')};
  types { }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${options.rootDir};
  }
}
`,
  );
  const tracked = await startTracked('nginx', NGINX_BINARY, ['-p', prefix, '-c', configPath, '-e', join(prefix, 'logs', 'error.log')]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/ready.txt`, { process: tracked, timeoutMs: READY_TIMEOUT_MS });
  } catch (error) {
    await tracked.stop();
    throw error;
  }
  return { url, pid: tracked.pid, process: tracked, stop: () => tracked.stop() };
}

export async function nginxVersion(): Promise<string> {
  const { stderr } = await promisify(execFile)(NGINX_BINARY, ['-v']);
  return stderr.trim();
}
