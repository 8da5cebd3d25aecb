import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './private-redis';

/**
 * Runs a command to completion with its output discarded: pg_ctl's server inherits the streams it
 * is given, and pipes held open by a server that outlives the command would keep Jest alive.
 */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/**
 * A PostgreSQL cluster of its own (initdb + pg_ctl on another port), for tests that stop or break
 * the database. Runs as the `postgres` user when the tests run as root, as PostgreSQL requires.
 */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly directory: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const directory = mkdtempSync(join(tmpdir(), 'private-pg-'));
    if (userInfo().uid === 0) chownSync(directory, ...postgresIds());
    const postgres = new PrivatePostgres(await freePort(), directory);
    await postgres.asPostgres(`${postgresBin()}/initdb`, ['-D', postgres.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync']);
    await postgres.start();
    return postgres;
  }

  private get dataDir(): string {
    return join(this.directory, 'data');
  }

  async start(): Promise<void> {
    await this.asPostgres(`${postgresBin()}/pg_ctl`, [
      '-D',
      this.dataDir,
      '-l',
      join(this.directory, 'postgres.log'),
      '-o',
      `-p ${this.port} -k ${this.directory} -c listen_addresses=127.0.0.1 -c fsync=off`,
      '-w',
      'start',
    ]);
  }

  /** Immediate stop: connections are cut, as in a crash of the database host. */
  async stop(): Promise<void> {
    await this.asPostgres(`${postgresBin()}/pg_ctl`, ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(
      () => undefined,
    );
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async asPostgres(binary: string, args: string[]): Promise<void> {
    if (userInfo().uid === 0) await run('runuser', ['-u', 'postgres', '--', binary, ...args]);
    else await run(binary, args);
  }
}

function postgresIds(): [number, number] {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((entry) => entry.startsWith('postgres:'));
  if (line === undefined) throw new Error('No postgres user on this machine');
  const [, , uid, gid] = line.split(':');
  return [Number(uid), Number(gid)];
}
