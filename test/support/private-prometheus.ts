import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { freePort } from './private-redis';
import { waitUntil } from './wait';

export interface PrometheusOptions {
  /** host:port of each instance to scrape, under the job the alert rules expect. */
  readonly targets: readonly string[];
  /** The rule groups to evaluate (the `groups` of a rules file). */
  readonly ruleGroups: unknown;
  /** Scrape and rule evaluation interval. */
  readonly intervalSeconds: number;
}

/** One result of an instant query: the series' labels and its value. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/**
 * A real Prometheus server (Debian's `prometheus` package, like promtool) of its own on a free
 * port with a throw-away data directory, scraping the given instances and evaluating the given
 * rules, for tests that hold the dashboard's queries and the alert rules against live data.
 */
export class PrivatePrometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly directory: string,
    readonly url: string,
  ) {}

  static async start(options: PrometheusOptions): Promise<PrivatePrometheus> {
    const directory = mkdtempSync(join(tmpdir(), 'prometheus-'));
    writeFileSync(join(directory, 'rules.yml'), dump({ groups: options.ruleGroups }));
    writeFileSync(
      join(directory, 'prometheus.yml'),
      dump({
        global: { scrape_interval: `${options.intervalSeconds}s`, evaluation_interval: `${options.intervalSeconds}s` },
        rule_files: ['rules.yml'],
        scrape_configs: [{ job_name: 'depin-dashboard', static_configs: [{ targets: options.targets }] }],
      }),
    );
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(directory, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(directory, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const log: string[] = [];
    child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`prometheus did not start (apt-get install prometheus): ${error.message}`)));
      child.once('exit', (code) => reject(new Error(`prometheus exited (${code}): ${log.join('')}`)));
    });
    failed.catch(() => undefined);
    const prometheus = new PrivatePrometheus(child, directory, `http://127.0.0.1:${port}`);
    await Promise.race([
      failed,
      waitUntil(async () => (await fetch(`${prometheus.url}/-/ready`).catch(() => null))?.status === 200, { what: 'Prometheus ready' }),
    ]);
    return prometheus;
  }

  /** An instant query; throws with Prometheus' error when the expression does not evaluate. */
  async query(expr: string): Promise<Sample[]> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: Sample[] | [number, string] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? response.status}`);
    const { resultType, result } = body.data!;
    // A scalar (e.g. time()) is one value without labels.
    return resultType === 'scalar' ? [{ metric: {}, value: result as [number, string] }] : (result as Sample[]);
  }

  async rules(): Promise<Array<{ name: string; health: string; lastError?: string; lastEvaluation: string; state?: string }>> {
    const response = await fetch(`${this.url}/api/v1/rules`);
    const body = (await response.json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation: string; state?: string }> }> } };
    return body.data.groups.flatMap((group) => group.rules);
  }

  async alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>> {
    const response = await fetch(`${this.url}/api/v1/alerts`);
    return ((await response.json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }).data.alerts;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}
