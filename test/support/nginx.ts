import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './private-redis';

export const NGINX_CONF = join(__dirname, '..', '..', 'docker', 'nginx.conf');

/**
 * A real nginx (Debian's package) running the project's own docker/nginx.conf, with only what
 * differs on this host substituted: the listen address, the upstream servers, one worker.
 */
export class TestNginx {
  private constructor(
    readonly port: number,
    private readonly process: ChildProcess,
    private readonly directory: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(upstreams: string[]): Promise<TestNginx> {
    const directory = mkdtempSync(join(tmpdir(), 'test-nginx-'));
    const port = await freePort();
    const original = readFileSync(NGINX_CONF, 'utf8');
    const servers = upstreams.map((address) => `    server ${address} max_fails=1 fail_timeout=5s;`).join('\n');
    const config = original
      .replace(/^worker_processes .*;$/m, 'worker_processes 1;')
      .replace(/^worker_rlimit_nofile .*;$/m, '')
      .replace(/worker_connections \d+;/, 'worker_connections 4096;')
      .replace(/# upstream-servers:begin[\s\S]*?# upstream-servers:end/, servers)
      .replace(/listen 80( backlog=\d+)?;/, `listen 127.0.0.1:${port}$1;`);
    if (config === original || !config.includes(`listen 127.0.0.1:${port}`) || !config.includes(upstreams[0]!)) {
      throw new Error('docker/nginx.conf no longer has the markers the cluster test substitutes');
    }
    const confPath = join(directory, 'nginx.conf');
    writeFileSync(confPath, config);
    const child = spawn(
      existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx',
      ['-p', directory, '-c', confPath, '-g', `daemon off; pid ${join(directory, 'nginx.pid')}; error_log ${join(directory, 'error.log')} warn;`],
      { stdio: 'ignore' },
    );
    const nginx = new TestNginx(port, child, directory);
    await nginx.waitUntilListening();
    return nginx;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      this.process.kill('SIGQUIT');
      await exited;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }

  errorLog(): string {
    try {
      return readFileSync(join(this.directory, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  private async waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.process.exitCode !== null) throw new Error(`nginx exited: ${this.errorLog()}`);
      try {
        await fetch(`${this.url}/health/live`);
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}
