import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { registerUser } from '../support/api-client';
import { exportedSampleNames, metricNames } from '../support/promql';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait';
import { TestSocket } from '../support/ws-client';

/**
 * The operators' view (docker/observability, docker/k8s/monitoring) against the running service:
 * every metric the Grafana dashboard and the alert rules read is exported, the rules parse with
 * promtool (Debian's `prometheus` package; .ci/run installs it), the Kubernetes PrometheusRule
 * carries the same rules as the plain file, and the metrics added for the dashboard move.
 */

const ROOT = join(__dirname, '..', '..');
const OBSERVABILITY = join(ROOT, 'docker', 'observability');
const run = promisify(execFile);

type Doc = Record<string, any>;
const readYaml = (path: string) => load(readFileSync(path, 'utf8')) as Doc;

const DASHBOARD = JSON.parse(readFileSync(join(OBSERVABILITY, 'grafana', 'dashboards', 'depin-dashboard.json'), 'utf8')) as Doc;
const RULES_FILE = join(OBSERVABILITY, 'prometheus', 'alerts.yml');
const RULES = readYaml(RULES_FILE);
const PROMETHEUS_RULE = readYaml(join(ROOT, 'docker', 'k8s', 'monitoring', 'prometheus-rule.yaml'));
/** Series Prometheus makes itself for every target. */
const FROM_PROMETHEUS = new Set(['up']);

function dashboardPanels(): Doc[] {
  return (DASHBOARD.panels as Doc[]).flatMap((panel) => [panel, ...((panel.panels as Doc[] | undefined) ?? [])]);
}

function dashboardQueries(): string[] {
  const targets = dashboardPanels().flatMap((panel) => (panel.targets as Doc[] | undefined) ?? []);
  const variables = (DASHBOARD.templating.list as Doc[]).map((variable) => variable.definition as string);
  return [...targets.map((target) => target.expr as string), ...variables];
}

function ruleExpressions(): Array<{ alert: string; expr: string }> {
  return (RULES.groups as Doc[]).flatMap((group) => group.rules as Array<{ alert: string; expr: string }>);
}

/** The value of one series in a text exposition, or undefined when it is not there. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function promtool(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failed.code === 'ENOENT') throw new Error('promtool is missing: apt-get install prometheus (.ci/run does it)');
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('metric names in PromQL', () => {
  it('finds the metrics an expression reads, not its functions, labels, keywords or durations', () => {
    const expr =
      'histogram_quantile(0.9, sum by (job, instance, le) (rate(flush_seconds_bucket{code=~"1011|1013", instance=~"$instance"}[$__rate_interval])))' +
      ' > on (job, instance) group_left interval_seconds offset 1h and time() - last_success > clamp_min(10 * interval_seconds, 1e3)';
    expect(metricNames(expr).sort()).toEqual(['flush_seconds_bucket', 'interval_seconds', 'last_success']);
    expect(metricNames('label_values(dashboard_ready, instance)')).toEqual(['dashboard_ready']);
  });

  it('reads the names a Prometheus exposition declares, with the series of histograms', () => {
    const names = exportedSampleNames('# HELP a_total x\n# TYPE a_total counter\n# TYPE h histogram\nh_bucket{le="1"} 0\n');
    expect([...names].sort()).toEqual(['a_total', 'h_bucket', 'h_count', 'h_sum']);
  });
});

describe('operators’ view: Grafana dashboard and alert rules', () => {
  let app: TestApp;
  let workDir: string;
  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    workDir = mkdtempSync(join(tmpdir(), 'observability-'));
    // A short heartbeat so a node's pings (round-trip times) come within the test.
    app = await startTestApp({
      label: 'observability',
      redis: true,
      env: { HEARTBEAT_INTERVAL_MS: '100', CLIENT_TIMEOUT_MS: '5000', EARNINGS_FLUSH_MS: '200' },
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  const scrape = async () => {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };

  it('exports every metric the dashboard and the alert rules read', async () => {
    const exported = exportedSampleNames(await scrape());
    const referenced = new Map<string, string>();
    for (const query of dashboardQueries()) for (const name of metricNames(query)) referenced.set(name, `dashboard: ${query}`);
    for (const { alert, expr } of ruleExpressions()) for (const name of metricNames(expr)) referenced.set(name, `rule ${alert}`);

    const missing = [...referenced].filter(([name]) => !exported.has(name) && !FROM_PROMETHEUS.has(name));
    expect(missing).toEqual([]);
    // The parse found what the dashboard is about (a broken parse finding nothing would pass above).
    for (const name of ['dashboard_ws_connections', 'dashboard_ws_connects_total', 'dashboard_ws_closes_total', 'dashboard_node_rtt_seconds_bucket',
      'dashboard_accrual_flush_duration_seconds_bucket', 'dashboard_accrual_buffer_size', 'dashboard_ws_messages_sent_total',
      'http_request_duration_seconds_bucket', 'nodejs_eventloop_lag_p99_seconds', 'dashboard_dependency_up', 'dashboard_ready']) {
      expect([name, referenced.has(name)]).toEqual([name, true]);
    }
  });

  it('every panel queries the provisioned Prometheus data source', () => {
    const provisioned = readYaml(join(OBSERVABILITY, 'grafana', 'provisioning', 'datasources', 'prometheus.yml')).datasources[0];
    const queried = dashboardPanels().filter((panel) => panel.type !== 'row');
    expect(queried.length).toBeGreaterThan(10);
    for (const panel of queried) {
      expect([panel.title, panel.datasource.uid]).toEqual([panel.title, provisioned.uid]);
      expect([panel.title, (panel.targets as Doc[]).length > 0]).toEqual([panel.title, true]);
    }
    const ids = dashboardPanels().map((panel) => panel.id as number);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the rules and the Compose Prometheus configuration pass promtool', async () => {
    const rules = await promtool(['check', 'rules', RULES_FILE]);
    expect(rules).toEqual({ code: 0, output: expect.stringContaining(`SUCCESS: ${ruleExpressions().length} rules found`) });
    const config = await promtool(['check', 'config', join(OBSERVABILITY, 'prometheus', 'prometheus.yml')]);
    expect(config.code).toBe(0);

    // The check can fail: a broken expression is refused.
    const broken = join(workDir, 'broken.yml');
    writeFileSync(broken, 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(dashboard_ready[5m]\n');
    expect((await promtool(['check', 'rules', broken])).code).not.toBe(0);
  });

  it('the PrometheusRule for Kubernetes carries exactly the rules of the plain file, and passes promtool', async () => {
    expect(PROMETHEUS_RULE.kind).toBe('PrometheusRule');
    expect(PROMETHEUS_RULE.spec.groups).toEqual(RULES.groups);
    const extracted = join(workDir, 'prometheus-rule.yml');
    writeFileSync(extracted, JSON.stringify({ groups: PROMETHEUS_RULE.spec.groups }));
    expect((await promtool(['check', 'rules', extracted])).code).toBe(0);
  });

  it('Kubernetes: the ServiceMonitor scrapes the Service’s pods on its named port, and the monitoring kustomization lists both', () => {
    const k8s = join(ROOT, 'docker', 'k8s');
    const monitor = readYaml(join(k8s, 'monitoring', 'service-monitor.yaml'));
    const service = readYaml(join(k8s, 'service.yaml'));
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata.labels);
    expect((service.spec.ports as Doc[]).map((port) => port.name)).toContain(monitor.spec.endpoints[0].port);
    expect(monitor.spec.endpoints[0].path).toBe('/metrics');
    // The Operator names the job after the Service: what DashboardInstanceDown matches.
    expect(ruleExpressions().find((rule) => rule.alert === 'DashboardInstanceDown')!.expr).toContain(`job="${service.metadata.name as string}"`);
    expect(readYaml(join(k8s, 'monitoring', 'kustomization.yaml')).resources.sort()).toEqual(['prometheus-rule.yaml', 'service-monitor.yaml']);
  });

  it('Compose scrapes both instances under the job the rules expect and mounts what Grafana is provisioned from', () => {
    const config = readYaml(join(OBSERVABILITY, 'prometheus', 'prometheus.yml'));
    const job = (config.scrape_configs as Doc[])[0]!;
    expect(job.job_name).toBe('depin-dashboard');
    expect(job.static_configs[0].targets).toEqual(['app1:3000', 'app2:3000']);
    const instanceDown = ruleExpressions().find((rule) => rule.alert === 'DashboardInstanceDown')!;
    expect(instanceDown.expr).toContain(`job="${job.job_name as string}"`);

    const compose = readYaml(join(ROOT, 'docker', 'docker-compose.yml'));
    const mounts = [...compose.services.prometheus.volumes, ...compose.services.grafana.volumes] as string[];
    for (const mount of mounts.filter((volume) => volume.startsWith('./'))) {
      expect([mount, existsSync(join(ROOT, 'docker', mount.split(':')[0]!))]).toEqual([mount, true]);
    }
    const provider = readYaml(join(OBSERVABILITY, 'grafana', 'provisioning', 'dashboards', 'dashboards.yml')).providers[0];
    expect(mounts).toContain(`./observability/grafana/dashboards:${provider.options.path as string}:ro`);
  });

  it('the metrics added for the dashboard move: connects, node round trips and heartbeat gaps, flushes, dependencies', async () => {
    const user = await registerUser(app);
    const node = await TestSocket.open(app.wsUrl, '/ws/dashboard', { token: user.accessToken });
    try {
      await node.connect({ device_id: 'observed-rig' });
      for (let beat = 0; beat < 3; beat++) {
        node.send({ type: 'Heartbeat' });
        await node.next('Heartbeat');
      }
      // Pings go out from the sweep once a heartbeat interval passed; the node answers them itself.
      await waitUntil(async () => (sample(await scrape(), 'dashboard_node_rtt_seconds_count') ?? 0) >= 1, { what: 'a node round trip measured' });
      const text = await scrape();
      expect(sample(text, 'dashboard_ws_connects_total{endpoint="dashboard"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'dashboard_ws_connections{endpoint="dashboard"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'dashboard_node_heartbeat_interval_seconds_count')).toBeGreaterThanOrEqual(3);
      expect(sample(text, 'dashboard_accrual_flush_interval_seconds')).toBe(0.2);
      const lastFlush = sample(text, 'dashboard_accrual_last_flush_success_timestamp_seconds')!;
      expect(lastFlush).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000));
      expect(sample(text, 'dashboard_ready')).toBe(1);
      expect(sample(text, 'dashboard_dependency_up{dependency="database"}')).toBe(1);
      expect(sample(text, 'dashboard_dependency_up{dependency="redis"}')).toBe(1);
      expect(sample(text, 'dashboard_dependency_ping_seconds{dependency="database"}')).toBeGreaterThan(0);
      expect(sample(text, 'dashboard_db_pool_clients{state="total"}')).toBeGreaterThanOrEqual(1);
    } finally {
      node.close();
    }
  });
});
