import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './proc.mjs';

/**
 * A PostgreSQL cluster of the benchmark's own (initdb + pg_ctl on a free port), started with the
 * settings a database of that size would be given in production (e.g. `shared_buffers=4GB`):
 * the machine's shared PostgreSQL keeps its stock 128 MB of shared buffers, which a ledger of a
 * million users (~1.4 GB of rows and indexes rewritten per flush) thrashes. Durability is the
 * stock one (fsync and synchronous_commit on): only memory and checkpoint spacing change.
 * Runs as the `postgres` user when the benchmark runs as root, as PostgreSQL requires.
 */
export async function startSizedPostgres(settings) {
  const directory = mkdtempSync(join(tmpdir(), 'bench-pg-'));
  const asPostgres = (binary, args) => {
    const command = userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
    execFileSync(command[0], command[1], { stdio: 'ignore' });
  };
  if (userInfo().uid === 0) {
    const ids = execFileSync('id', ['-u', 'postgres']).toString().trim();
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
    chownSync(directory, Number(ids), Number(gid));
  }
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  const bin = `/usr/lib/postgresql/${versions[0]}/bin`;
  const data = join(directory, 'data');
  const port = await freePort();
  asPostgres(`${bin}/initdb`, ['-D', data, '-U', 'postgres', '-A', 'trust']);
  const options = [`-p ${port}`, `-k ${directory}`, '-c listen_addresses=127.0.0.1', ...settings.map((setting) => `-c ${setting}`)];
  asPostgres(`${bin}/pg_ctl`, ['-D', data, '-l', join(directory, 'postgres.log'), '-o', options.join(' '), '-w', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    settings,
    stop() {
      try {
        asPostgres(`${bin}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}
