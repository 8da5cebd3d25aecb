import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) persisted under DATA_DIR and
 * served on a loopback port over the Postgres wire protocol by pglite-socket, so the same `pg`
 * driver, entities and migrations run on it. It serves one connection at a time, so pools that
 * use it have one connection. A lock file keeps a second process from opening the same files.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockPath: string,
    readonly directory: string,
  ) {}

  get url(): string {
    return `postgres://postgres@${this.server.getServerConn()}/postgres`;
  }

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const directory = resolve(dataDir, 'pglite');
    await mkdir(directory, { recursive: true });
    const lockPath = join(dataDir, 'pglite.lock');
    await acquireLock(lockPath);
    try {
      // pglite ships ES modules only; a dynamic import keeps this CommonJS build loading them.
      const { PGlite } = await importEsm<typeof import('@electric-sql/pglite')>('@electric-sql/pglite');
      const { PGLiteSocketServer } = await importEsm<typeof import('@electric-sql/pglite-socket')>(
        '@electric-sql/pglite-socket',
      );
      const db = await PGlite.create(directory);
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
      await server.start();
      return new EmbeddedPostgres(db, server, lockPath, directory);
    } catch (error) {
      await rm(lockPath, { force: true });
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    await rm(this.lockPath, { force: true });
  }
}

/** Creates the lock file; a lock left by a process that no longer runs is taken over. */
async function acquireLock(lockPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new Error(
          `The embedded database in ${lockPath.replace(/pglite\.lock$/, '')} is in use by process ${holder}; ` +
            'stop it, use another DATA_DIR, or set DATABASE_URL',
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`Could not lock ${lockPath}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `import()` that TypeScript's CommonJS output leaves alone (it would otherwise turn it into
 * `require`, which cannot load ES modules on Node 20).
 */
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
