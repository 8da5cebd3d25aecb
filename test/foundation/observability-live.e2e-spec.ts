import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { api, registerUser } from '../support/api-client';
import { PrivatePrometheus, Sample } from '../support/private-prometheus';
import { PrivateRedis } from '../support/private-redis';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';

/**
 * The operators' view against live data: a real Prometheus scrapes the running service while a
 * node heartbeats and dashboards come and go; every query of the Grafana dashboard evaluates and
 * its panels fill, every alert rule evaluates without error, and stopping Redis fires the alerts
 * meant for it (the rules are loaded with their `for` durations dropped, so they fire at once).
 */

const OBSERVABILITY = join(__dirname, '..', '..', 'docker', 'observability');
type Doc = Record<string, any>;

const DASHBOARD = JSON.parse(readFileSync(join(OBSERVABILITY, 'grafana', 'dashboards', 'depin-dashboard.json'), 'utf8')) as Doc;
const RULES = load(readFileSync(join(OBSERVABILITY, 'prometheus', 'alerts.yml'), 'utf8')) as Doc;
const INTERVAL_SECONDS = 1;
/** Grafana's $__rate_interval for that scrape interval (at least four scrapes). */
const RATE_INTERVAL = '10s';

/** Panels with nothing to show in this run: nothing is dropped, no webhook or email is sent, no node alert. */
const EMPTY_IN_THIS_RUN = new Set(['Dropped messages per second', 'Notifications']);

function panelQueries(): Array<{ panel: string; expr: string }> {
  return (DASHBOARD.panels as Doc[])
    .filter((panel) => panel.type !== 'row')
    .flatMap((panel) =>
      (panel.targets as Doc[]).map((target) => ({
        panel: panel.title as string,
        expr: (target.expr as string).replaceAll('$__rate_interval', RATE_INTERVAL).replaceAll('$instance', '.*'),
      })),
    );
}

function rulesWithoutFor(): unknown {
  return (RULES.groups as Doc[]).map((group) => ({
    ...group,
    rules: (group.rules as Doc[]).map(({ for: _for, ...rule }) => rule),
  }));
}

const hasData = (samples: Sample[]) => samples.length > 0;

/**
 * Rules about a statistic (a quantile against a 200 ms interval) that a busy test machine can
 * cross for a moment: in production their `for` smooths that out, here it is dropped.
 */
const NOISY_WITHOUT_FOR = new Set(['DashboardAccrualFlushSlow']);
const firingAlerts = async (prometheus: PrivatePrometheus) =>
  (await prometheus.alerts())
    .filter((alert) => alert.state === 'firing' && !NOISY_WITHOUT_FOR.has(alert.labels.alertname!))
    .map((alert) => `${alert.labels.alertname}${alert.labels.dependency === undefined ? '' : `:${alert.labels.dependency}`}`)
    .sort();

describe('operators’ view against a real Prometheus', () => {
  let redis: PrivateRedis;
  let app: TestApp;
  let prometheus: PrivatePrometheus;
  let node: TestSocket | undefined;
  let beating: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    app = await startTestApp({
      label: 'observability_live',
      env: { REDIS_URL: redis.url, HEARTBEAT_INTERVAL_MS: '200', CLIENT_TIMEOUT_MS: '5000', EARNINGS_FLUSH_MS: '200' },
    });
    prometheus = await PrivatePrometheus.start({ targets: [new URL(app.url).host], ruleGroups: rulesWithoutFor(), intervalSeconds: INTERVAL_SECONDS });
  });
  afterAll(async () => {
    clearInterval(beating);
    node?.close();
    await prometheus?.stop();
    await app?.close();
    await redis?.stop();
  });

  it('every dashboard query evaluates, and the panels fill while a node runs and dashboards come and go', async () => {
    const user = await registerUser(app);
    node = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    await node.connect({ device_id: 'grafana-rig' });
    // The node keeps its pace for the rest of the file: heartbeats, round trips, accruals.
    beating = setInterval(() => node!.send({ type: 'Heartbeat' }), 200);
    const viewerComesAndGoes = async () => {
      const viewer = await TestSocket.open(app.wsUrl, '/ws/earnings', { token: user.accessToken });
      await viewer.connect({ device_id: 'grafana-viewer' });
      viewer.close(1000);
    };
    // A counter's series first scraped at 1 shows no increase: a second close after that one.
    await viewerComesAndGoes();
    await waitUntil(async () => hasData(await prometheus.query('dashboard_ws_closes_total{code="1000"}')), { what: 'a close scraped' });
    await viewerComesAndGoes();
    for (const path of ['/api/user/me', '/api/networks', '/api/earnings/summary']) {
      expect((await api(app, 'GET', path, { token: user.accessToken })).status).toBe(200);
    }

    // Enough scrapes after all that for rates and quantiles over RATE_INTERVAL.
    await waitUntil(async () => hasData(await prometheus.query(`increase(dashboard_ws_closes_total{code="1000"}[${RATE_INTERVAL}]) > 0`)), {
      what: 'the second close scraped',
      timeoutMs: 30_000,
    });
    await waitUntil(async () => hasData(await prometheus.query(`increase(dashboard_node_rtt_seconds_count[${RATE_INTERVAL}]) > 0`)), {
      what: 'node round trips scraped twice',
      timeoutMs: 30_000,
    });

    const empty: string[] = [];
    for (const { panel, expr } of panelQueries()) {
      const samples = await prometheus.query(expr); // throws when Prometheus refuses the expression
      if (!hasData(samples) && !EMPTY_IN_THIS_RUN.has(panel)) empty.push(`${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
    // The instance variable's query lists the instance.
    const instances = await prometheus.query('dashboard_ready');
    expect(instances.map((sample) => sample.metric.instance)).toEqual([new URL(app.url).host]);
  });

  it('every alert rule evaluates without error, and none fires while all is well', async () => {
    await waitUntil(async () => (await prometheus.rules()).every((rule) => !rule.lastEvaluation.startsWith('0001-')), {
      what: 'every rule evaluated',
    });
    // Two more evaluations, so every rule has seen the node running.
    const seen = Date.now();
    await waitUntil(async () => (await prometheus.rules()).every((rule) => Date.parse(rule.lastEvaluation) > seen + 1_000), { what: 'rules re-evaluated' });
    const rules = await prometheus.rules();
    expect(rules.map((rule) => [rule.name, rule.health, rule.lastError ?? ''])).toEqual(rules.map((rule) => [rule.name, 'ok', '']));
    expect(await firingAlerts(prometheus)).toEqual([]);
  });

  it('Redis stopped: DashboardDependencyDown (redis) and DashboardNotReady fire, and clear once it is back', async () => {
    await redis.stop();
    const firing = () => firingAlerts(prometheus);
    await waitUntil(async () => (await firing()).length >= 2, { what: 'alerts firing', timeoutMs: 30_000 });
    expect(await firing()).toEqual(['DashboardDependencyDown:redis', 'DashboardNotReady']);

    await redis.start();
    await waitUntil(async () => (await firing()).length === 0, { what: 'alerts cleared', timeoutMs: 30_000 });
  });
});
