import type { Handler, Hono } from 'hono';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { AdminConfig } from '../../config/schema.js';
import { createMetricsRegistry } from '../../stats/prometheus.js';
import { statsSnapshot } from '../../stats/snapshot.js';
import type { StatsSources } from '../../stats/stats-sources.js';
import { DASHBOARD_CONTENT_SECURITY_POLICY, DASHBOARD_HTML } from '../dashboard-page.js';
import type { AppEnv } from '../env.js';
import { requireAdminToken } from '../middleware/admin-auth.js';

/**
 * GET /_lading/stats (JSON), GET /metrics (Prometheus) and the dashboard page. With
 * admin.protectStats the first two need `Authorization: Bearer <admin token>`; the page is
 * static and public and sends the token itself (see dashboard-page.ts).
 */
export function registerStatsRoutes(app: Hono<AppEnv>, sources: StatsSources, admin: AdminConfig): void {
  if (admin.protectStats) {
    const guard = requireAdminToken(admin);
    app.use('/_lading/stats', guard);
    app.use('/metrics', guard);
  }
  app.get('/_lading/stats', (c) => c.json(statsSnapshot(sources), 200, { 'Cache-Control': 'no-store' }));

  // Built on the first scrape: process metrics start observers (GC, event-loop delay) that a
  // mirror nobody scrapes need not pay for.
  let metrics: MetricsRegistry | undefined;
  app.get('/metrics', async (c) => {
    metrics ??= createMetricsRegistry(sources);
    const text = await metrics.metrics();
    return c.body(text, 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
  });

  const page: Handler<AppEnv> = (c) =>
    c.html(DASHBOARD_HTML, 200, {
      'Content-Security-Policy': DASHBOARD_CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
  app.get('/_lading', page);
  app.get('/_lading/', page);
}
