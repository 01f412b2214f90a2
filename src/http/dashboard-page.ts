import { createHash } from 'node:crypto';

// The dashboard at /_lading/: one static page, no build step, no external assets. Its script
// polls /_lading/stats every 2 s and writes every value with textContent (never innerHTML), so
// a repository name or an upstream error message can never become markup. With
// admin.protectStats the page reads the admin token from its URL fragment (`#token=…`, never
// sent to the server or in a Referer) and sends it as a Bearer token.

const DASHBOARD_STYLE = `
:root{color-scheme:light dark;--fg:#1d2329;--muted:#5f6b76;--bg:#f6f7f9;--card:#fff;--line:#dfe3e8;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--bar:#3b82f6}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#8b949e;--bg:#0d1117;--card:#161b22;--line:#30363d;--bar:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;padding:12px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline;margin-bottom:12px}
h1{font-size:20px;margin:0}
h2{font-size:15px;margin:0 0 8px}
#status{color:var(--muted);font-size:13px}
#status.error{color:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin-bottom:12px}
.card,section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
section{margin-bottom:12px;overflow-x:auto}
.label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.value{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
.sub{color:var(--muted);font-size:13px}
.meter{height:6px;background:var(--line);border-radius:3px;margin-top:6px;overflow:hidden}
.meter>div{height:100%;width:0;background:var(--bar)}
table{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:4px 8px 4px 0;border-bottom:1px solid var(--line);white-space:nowrap}
td.wrap{white-space:normal;word-break:break-word;min-width:12em}
th{color:var(--muted);font-weight:500;font-size:12px}
.ok{color:var(--ok)}.degraded{color:var(--warn)}.open,.bad{color:var(--bad)}
.empty{color:var(--muted);font-size:13px}
`;

const DASHBOARD_SCRIPT = `
'use strict';
const STATS_URL = '/_lading/stats';
const POLL_MS = 2000;
const token = new URLSearchParams(location.hash.slice(1)).get('token');

function el(id) { return document.getElementById(id); }
function setText(id, text) { el(id).textContent = text; }

function formatBytes(n) {
  if (typeof n !== 'number') return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + units[i];
}
function formatPercent(fraction) {
  return typeof fraction === 'number' ? (fraction * 100).toFixed(1) + ' %' : '–';
}
function formatDuration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600), m = Math.floor(seconds % 3600 / 60);
  return d > 0 ? d + 'd ' + h + 'h' : h > 0 ? h + 'h ' + m + 'm' : m + 'm ' + (seconds % 60) + 's';
}
function shortDigest(digest) { return String(digest).replace(/^sha256:/, '').slice(0, 12); }

/** Replaces a tbody's rows; every cell is text. */
function fillRows(id, rows, emptyText, columns) {
  const body = el(id);
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = columns;
    td.className = 'empty';
    td.textContent = emptyText;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const cells of rows) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      const spec = typeof cell === 'object' && cell !== null ? cell : { text: cell };
      td.textContent = String(spec.text);
      if (spec.className) td.className = spec.className;
      tr.append(td);
    }
    body.append(tr);
  }
}

function render(s) {
  setText('version', 'v' + s.version);
  setText('uptime', 'up ' + formatDuration(s.uptimeSeconds));
  setText('hit-requests', formatPercent(s.hitRatio.requests));
  setText('hit-bytes', 'bytes ' + formatPercent(s.hitRatio.bytes));
  setText('saved', formatBytes(s.bytes.servedFromCache));
  setText('fetched', 'fetched ' + formatBytes(s.bytes.fetchedFromUpstream) + ' upstream');
  setText('cache-bytes', formatBytes(s.cache.bytes));
  setText('cache-sub', (s.cache.maxBytes > 0 ? 'of ' + formatBytes(s.cache.maxBytes) + ', ' : 'no cap, ') +
    s.cache.blobs + ' blobs, ' + formatBytes(s.cache.pinnedBytes) + ' pinned' + (s.cache.diskFull ? ' — DISK FULL' : ''));
  el('cache-sub').className = s.cache.diskFull ? 'sub bad' : 'sub';
  el('cache-meter').style.width = s.cache.maxBytes > 0 ? Math.min(100, s.cache.bytes / s.cache.maxBytes * 100) + '%' : '0';
  setText('fills-count', String(s.fills.length));
  setText('evictions', s.evictions.count + ' evictions (' + formatBytes(s.evictions.bytes) + ')');

  fillRows('upstreams', s.upstreams.map((u) => [
    u.name + (u.default ? ' (default)' : ''),
    { text: u.state, className: u.state },
    u.latencyMs === null ? '–' : u.latencyMs + ' ms',
    u.rateLimit && u.rateLimit.limit !== null && u.rateLimit.remaining !== null
      ? u.rateLimit.remaining + ' / ' + u.rateLimit.limit + ' (' + formatPercent(u.rateLimit.remaining / u.rateLimit.limit) + ')'
      : '–',
    u.tokensCached,
    { text: u.lastError === null ? '' : u.lastError, className: 'wrap' },
  ]), 'no upstreams', 6);
  fillRows('fills', s.fills.map((f) => [
    f.repository,
    shortDigest(f.digest),
    formatBytes(f.bytes) + (f.totalBytes === null ? '' : ' of ' + formatBytes(f.totalBytes)),
    f.readers,
    formatDuration(Math.floor(f.ageMs / 1000)),
  ]), 'no downloads in progress', 5);
  fillRows('repositories', s.topRepositories.map((r) => [{ text: r.repository, className: 'wrap' }, r.requests]), 'no requests yet', 2);
  const outcomes = ['hit', 'miss', 'joined', 'stale', 'revalidated', 'error'];
  fillRows('requests', Object.keys(s.requests).map((kind) => [kind].concat(outcomes.map((o) => s.requests[kind][o]))), '', 7);
}

async function poll() {
  try {
    const response = await fetch(STATS_URL, { headers: token ? { Authorization: 'Bearer ' + token } : {}, cache: 'no-store' });
    if (response.status === 401) throw new Error('this mirror protects its stats: open /_lading/#token=<admin token>');
    if (!response.ok) throw new Error('stats answered HTTP ' + response.status);
    render(await response.json());
    setText('status', 'updated ' + new Date().toLocaleTimeString());
    el('status').className = '';
  } catch (error) {
    setText('status', error instanceof Error ? error.message : String(error));
    el('status').className = 'error';
  } finally {
    setTimeout(poll, POLL_MS);
  }
}
poll();
`;

// Static markup only: no value from the server is ever part of it.
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>lading</title>
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header><h1>lading</h1><span id="version" class="sub"></span><span id="uptime" class="sub"></span><span id="status">loading…</span></header>
<div class="cards">
  <div class="card"><div class="label">Hit ratio</div><div class="value" id="hit-requests">–</div><div class="sub" id="hit-bytes"></div></div>
  <div class="card"><div class="label">Served from cache</div><div class="value" id="saved">–</div><div class="sub" id="fetched"></div></div>
  <div class="card"><div class="label">Cache</div><div class="value" id="cache-bytes">–</div><div class="sub" id="cache-sub"></div><div class="meter"><div id="cache-meter"></div></div></div>
  <div class="card"><div class="label">Fills in flight</div><div class="value" id="fills-count">–</div><div class="sub" id="evictions"></div></div>
</div>
<section><h2>Upstreams</h2><table><thead><tr><th>Name</th><th>State</th><th>Latency</th><th>Rate limit left</th><th>Tokens</th><th>Last error</th></tr></thead><tbody id="upstreams"></tbody></table></section>
<section><h2>Downloads in progress</h2><table><thead><tr><th>Repository</th><th>Digest</th><th>Progress</th><th>Readers</th><th>Age</th></tr></thead><tbody id="fills"></tbody></table></section>
<section><h2>Top repositories</h2><table><thead><tr><th>Repository</th><th>Requests</th></tr></thead><tbody id="repositories"></tbody></table></section>
<section><h2>Requests</h2><table><thead><tr><th>Kind</th><th>Hit</th><th>Miss</th><th>Joined</th><th>Stale</th><th>Revalidated</th><th>Error</th></tr></thead><tbody id="requests"></tbody></table></section>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;

/** Allows exactly this page's inline script and style, and fetches to this origin only. */
export const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src 'sha256-${createHash('sha256').update(DASHBOARD_SCRIPT).digest('base64')}'`,
  `style-src 'sha256-${createHash('sha256').update(DASHBOARD_STYLE).digest('base64')}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
