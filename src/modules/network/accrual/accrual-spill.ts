import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { AccrualColumns } from './accrual-buffer';

/**
 * Accruals a graceful stop could not write to the ledger (the database was unreachable until the
 * deadline), kept as ledger batches under their ids so the next start writes each exactly once.
 */
export interface SpilledBatch {
  /** The ledger batch id: a replay of a batch already in the ledger is skipped by it. */
  readonly id: string;
  /** The shard count the batch was first tried with (its shards' ids), or null if it was never tried. */
  readonly shards: number | null;
  readonly accruals: AccrualColumns;
}

/** A spill file and the batches it holds. */
export interface SpillFile {
  readonly path: string;
  readonly batches: SpilledBatch[];
}

const MAGIC = Buffer.from('DASHACC1');
const SUFFIX = '.accruals';
/** The columns of a batch, in file order. */
const COLUMNS = ['nodeIds', 'userIds', 'bucketMs', 'seconds', 'micro', 'scores', 'lastSeenMs'] as const;

interface Header {
  readonly endianness: 'LE' | 'BE';
  readonly batches: Array<{ id: string; shards: number | null; rows: number }>;
}

/**
 * Spill files under `<DATA_DIR>/unwritten-accruals`: `DASHACC1`, a 4-byte header length, a JSON
 * header (batch ids, shard counts, row counts), then each batch's seven columns as raw float64.
 * A file is written under a temporary name, synced and renamed, so a file with the suffix is
 * always complete; it is deleted only once every batch in it is in the ledger.
 */
export class AccrualSpill {
  readonly directory: string;

  /**
   * One directory per database (`databaseUrl` null: the embedded one), so a data directory shared
   * by services of several databases never replays one's accruals into another.
   */
  constructor(dataDir: string, databaseUrl: string | null) {
    this.directory = join(dataDir, 'unwritten-accruals', databaseKey(databaseUrl));
  }

  /** Writes the batches into a new file, durably; returns its path. */
  async write(batches: readonly SpilledBatch[]): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    const header: Header = {
      endianness: endianness(),
      batches: batches.map((batch) => ({ id: batch.id, shards: batch.shards, rows: batch.accruals.length })),
    };
    const headerBytes = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(headerBytes.length);
    const parts: Buffer[] = [MAGIC, length, headerBytes];
    for (const batch of batches) {
      for (const column of COLUMNS) {
        const values = batch.accruals[column];
        parts.push(Buffer.from(values.buffer, values.byteOffset, batch.accruals.length * 8));
      }
    }
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(6).toString('hex')}`;
    const temporary = join(this.directory, `${name}.tmp`);
    const path = join(this.directory, `${name}${SUFFIX}`);
    const file = await open(temporary, 'w');
    try {
      await file.writev(parts);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await syncDirectory(this.directory);
    return path;
  }

  /**
   * The spill files left by earlier runs, oldest first. A file whose content is not a spill file's
   * is renamed `<name>.unreadable` (kept for an operator, never replayed); one the file system
   * would not read (permissions, I/O) is left for a later start. Both are reported to `onUnreadable`.
   */
  async readAll(onUnreadable: (path: string, error: Error, setAside: boolean) => void): Promise<SpillFile[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const files: SpillFile[] = [];
    for (const name of names.filter((entry) => entry.endsWith(SUFFIX)).sort()) {
      const path = join(this.directory, name);
      try {
        files.push({ path, batches: parseSpill(await readFile(path)) });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue; // another instance took it
        const setAside = code === undefined;
        onUnreadable(path, error as Error, setAside);
        if (setAside) await rename(path, `${path}.unreadable`).catch(() => undefined);
      }
    }
    return files;
  }

  /** Deletes a file whose batches are all in the ledger (or in a newer file). */
  async remove(path: string): Promise<void> {
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

/** The batches of a spill file's bytes; throws on anything but a complete, well-formed file. */
export function parseSpill(bytes: Buffer): SpilledBatch[] {
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) throw new Error('not an accrual spill file');
  const headerLength = bytes.readUInt32LE(8);
  if (12 + headerLength > bytes.length) throw new Error('truncated header');
  const header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8')) as Header;
  if (header.endianness !== endianness()) throw new Error(`written on a ${header.endianness} machine`);
  if (!Array.isArray(header.batches)) throw new Error('header without batches');
  let offset = 12 + headerLength;
  const batches: SpilledBatch[] = [];
  for (const { id, shards, rows } of header.batches) {
    if (typeof id !== 'string' || !Number.isSafeInteger(rows) || rows < 0 || !(shards === null || (Number.isSafeInteger(shards) && shards >= 1))) {
      throw new Error('malformed batch entry');
    }
    if (offset + rows * 8 * COLUMNS.length > bytes.length) throw new Error(`batch ${id} is truncated`);
    const accruals = new AccrualColumns(rows);
    for (const column of COLUMNS) {
      // Copied out: the file's bytes need not be 8-byte aligned.
      new Uint8Array(accruals[column].buffer).set(bytes.subarray(offset, offset + rows * 8));
      offset += rows * 8;
    }
    accruals.length = rows;
    checkRows(id, accruals);
    batches.push({ id, shards, accruals });
  }
  if (offset !== bytes.length) throw new Error('trailing bytes after the last batch');
  return batches;
}

/** Every row names a node and user and carries whole micro-points and finite times, or the batch is refused. */
function checkRows(id: string, accruals: AccrualColumns): void {
  const isId = (value: number) => Number.isSafeInteger(value) && value > 0;
  for (let i = 0; i < accruals.length; i++) {
    const valid =
      isId(accruals.nodeIds[i]!) &&
      isId(accruals.userIds[i]!) &&
      Number.isSafeInteger(accruals.micro[i]!) &&
      accruals.micro[i]! >= 0 &&
      Number.isFinite(accruals.seconds[i]!) &&
      accruals.seconds[i]! >= 0 &&
      Number.isFinite(accruals.scores[i]!) &&
      Number.isFinite(accruals.bucketMs[i]!) &&
      Number.isFinite(accruals.lastSeenMs[i]!);
    if (!valid) throw new Error(`batch ${id} has a malformed row ${i}`);
  }
}

/** `embedded`, or a digest of the database's host, port and name (not its credentials). */
function databaseKey(databaseUrl: string | null): string {
  if (databaseUrl === null) return 'embedded';
  const url = new URL(databaseUrl);
  const where = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  return createHash('sha256').update(where).digest('hex').slice(0, 16);
}

/** Makes a rename in the directory durable (a no-op where directories cannot be opened for sync). */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => null);
  if (handle === null) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
