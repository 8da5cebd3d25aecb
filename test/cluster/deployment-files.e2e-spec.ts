import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';

/**
 * What can be checked of docker/ without a Docker engine or a cluster: the files parse, and what
 * they promise agrees with the service (ports, probes, shutdown timing, proxy trust).
 */
const DOCKER = join(__dirname, '..', '..', 'docker');

type Doc = Record<string, any>;

describe('deployment files', () => {
  const manifests = readdirSync(join(DOCKER, 'k8s'))
    .filter((name) => name.endsWith('.yaml'))
    .flatMap((name) => loadAll(readFileSync(join(DOCKER, 'k8s', name), 'utf8')) as Doc[]);
  // The first of a kind; the service's own ConfigMap is named depin-dashboard (the adapter rules are another).
  const kind = (k: string) => manifests.find((doc) => doc.kind === k && (k !== 'ConfigMap' || doc.metadata.name === 'depin-dashboard'))!;

  it('Kubernetes: a Deployment with probes on /health/*, preStop and a grace period that covers graceful shutdown', () => {
    const deployment = kind('Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.lifecycle.preStop).toBeDefined();
    // preStop (10 s) + the drain window + the service's own shutdown limit (60 s, or the final
    // flush's SHUTDOWN_FLUSH_MS + 30 s for the spill when longer: main.ts) fit in the grace period.
    const settings = kind('ConfigMap').data;
    const drainSeconds = Number(settings.SHUTDOWN_DRAIN_MS) / 1000;
    const flushSeconds = Number(settings.SHUTDOWN_FLUSH_MS ?? 15_000) / 1000;
    expect(drainSeconds).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(10 + drainSeconds + Math.max(60, flushSeconds + 30));
    expect(container.ports[0].containerPort).toBe(3000);
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  });

  it('Kubernetes: a Service and a PodDisruptionBudget select the Deployment’s pods', () => {
    const labels = kind('Deployment').spec.template.metadata.labels;
    expect(kind('Service').spec.selector).toEqual(labels);
    expect(kind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(kind('PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    // Scales on sockets per pod (a gauge the service exports), slowly down: every pod removed
    // hands its sockets to the others.
    const hpa = kind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: kind('Deployment').metadata.name });
    expect(hpa.spec.metrics.map((metric: any) => [metric.type, metric.pods.metric.name])).toEqual([['Pods', 'dashboard_ws_connections']]);
    expect(hpa.spec.behavior.scaleDown.policies).toEqual([{ type: 'Pods', value: 1, periodSeconds: 300 }]);
    expect(kind('Ingress').metadata.annotations['nginx.ingress.kubernetes.io/upstream-hash-by']).toBe('$remote_addr');
  });

  it('Kubernetes: configuration variables are ones the service knows', () => {
    const known = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const names = [...Object.keys(kind('ConfigMap').data), ...Object.keys(kind('Secret').stringData)];
    for (const name of names) expect([name, known.includes(`\n${name}=`)]).toEqual([name, true]);
  });

  it('docker compose: postgres, redis, two app replicas, nginx, Prometheus and Grafana, with nginx trusted as a proxy', () => {
    const compose = load(readFileSync(join(DOCKER, 'docker-compose.yml'), 'utf8')) as Doc;
    expect(Object.keys(compose.services).sort()).toEqual(['app1', 'app2', 'grafana', 'nginx', 'postgres', 'prometheus', 'redis']);
    for (const app of ['app1', 'app2']) {
      const environment = compose.services[app].environment;
      expect(environment.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(environment.REDIS_URL).toBe('redis://redis:6379');
      expect(environment.TRUSTED_PROXIES).toBe(compose.networks.backend.ipam.config[0].subnet);
      // DATA_DIR (/data in the image) on a named volume of its own: a spill outlives the container.
      const [volume] = compose.services[app].volumes as string[];
      expect(volume).toBe(`${app}-data:/data`);
      expect(compose.volumes).toHaveProperty(`${app}-data`);
    }
    expect(readFileSync(join(DOCKER, 'Dockerfile'), 'utf8')).toMatch(/DATA_DIR=\/data/);
    const nginxConf = readFileSync(join(DOCKER, 'nginx.conf'), 'utf8');
    expect(nginxConf).toMatch(/server app1:3000/);
    expect(nginxConf).toMatch(/server app2:3000/);
  });

  it('nginx.conf: upgrade headers, long timeouts, consistent hashing, X-Forwarded-For; and nginx accepts it', () => {
    const conf = readFileSync(join(DOCKER, 'nginx.conf'), 'utf8');
    expect(conf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(conf).toMatch(/hash \$remote_addr consistent;/);
    expect(conf).toMatch(/proxy_read_timeout 1h;/);
    expect(conf).toMatch(/X-Forwarded-For \$proxy_add_x_forwarded_for/);
    // The real nginx parses it (upstream names resolved to loopback for the check).
    const checked = conf.replace(/server app\d:3000/g, 'server 127.0.0.1:3000').replace(/listen 80( backlog=\d+)?;/, 'listen 127.0.0.1:18080$1;');
    const path = join(tmpdir(), `nginx-check-${process.pid}.conf`);
    writeFileSync(path, checked);
    try {
      expect(() => execFileSync('nginx', ['-t', '-q', '-c', path, '-g', `pid ${path}.pid; error_log stderr;`], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(path, { force: true });
    }
  });

  it('Dockerfile: multi-stage, non-root, health check, runs node directly', () => {
    const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*/m);
    expect(dockerfile).toMatch(/\/health\/live/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/main.js"\]$/m);
  });
});
