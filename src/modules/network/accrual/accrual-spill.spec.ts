import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { AccrualColumns } from './accrual-buffer';
import { AccrualSpill, parseSpill } from './accrual-spill';

/** Spill files on a real file system: what is written reads back exactly; anything else is refused, never replayed. */
describe('AccrualSpill', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'dash-spill-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  function columns(rows: Array<[number, number, number, number, number, number, number]>): AccrualColumns {
    const accruals = new AccrualColumns(1);
    for (const row of rows) accruals.append(...row);
    return accruals;
  }

  it('reads back every batch exactly, in file order', async () => {
    const spill = new AccrualSpill(dataDir, 'postgres://u:secret@db.example:6543/ledger');
    const a = columns([
      [7, 70, 3_600_000, 29.5, 123_456_789, 0.875, 3_601_234],
      [9, 71, 3_600_000, 0.001, 0, 1 / 3, 3_602_000],
    ]);
    await spill.write([
      { id: 'accrual:a', shards: 4, accruals: a },
      { id: 'accrual:empty', shards: null, accruals: new AccrualColumns() },
    ]);
    const second = await spill.write([{ id: 'accrual:b', shards: null, accruals: columns([[1, 2, 0, 5, 6, 1, 8]]) }]);

    const unreadable: string[] = [];
    const files = await spill.readAll((path) => unreadable.push(path));
    expect(unreadable).toEqual([]);
    expect(files.map((file) => file.batches.map((batch) => [batch.id, batch.shards, batch.accruals.length]))).toEqual([
      [
        ['accrual:a', 4, 2],
        ['accrual:empty', null, 0],
      ],
      [['accrual:b', null, 1]],
    ]);
    expect(files[0]!.batches[0]!.accruals.entries()).toEqual(a.entries());
    // Credentials never name the directory; another database gets another one.
    expect(spill.directory).not.toMatch(/secret/);
    expect(new AccrualSpill(dataDir, 'postgres://u:secret@db.example:6543/other').directory).not.toBe(spill.directory);
    expect(await new AccrualSpill(dataDir, 'postgres://u:secret@db.example:6543/other').readAll(() => undefined)).toEqual([]);

    await spill.remove(second);
    await spill.remove(second); // gone already: fine
    expect(await spill.readAll(() => undefined)).toHaveLength(1);
  });

  it('sets aside a truncated, foreign or malformed file as .unreadable, and reads the rest', async () => {
    const spill = new AccrualSpill(dataDir, null);
    const good = await spill.write([{ id: 'accrual:good', shards: null, accruals: columns([[1, 2, 0, 5, 6, 1, 8]]) }]);
    const bytes = readFileSync(good);
    const bad = (name: string, content: Buffer) => writeFileSync(join(spill.directory, `${name}.accruals`), content);
    bad('0-truncated', bytes.subarray(0, bytes.length - 3));
    bad('1-foreign', Buffer.from('{"batches": []}'));
    bad('2-trailing', Buffer.concat([bytes, Buffer.alloc(8)]));
    const nan = Buffer.from(bytes);
    nan.writeDoubleLE(Number.NaN, nan.length - 8 * 3); // micro of the only row
    bad('3-nan-points', nan);
    const header = Buffer.from(bytes);
    header.write('"rows":1'.replace('1', '9'), header.indexOf('"rows":1'));
    bad('4-rows-beyond-the-end', header);

    // One the file system will not read (here a directory by that name): left as it is, not set aside.
    mkdirSync(join(spill.directory, '5-not-a-file.accruals'));

    const unreadable: string[] = [];
    const files = await spill.readAll((path, _, setAside) => unreadable.push(`${basename(path)}${setAside ? ' set aside' : ' left'}`));
    expect(files.map((file) => file.path)).toEqual([good]);
    expect(unreadable).toEqual([
      '0-truncated.accruals set aside',
      '1-foreign.accruals set aside',
      '2-trailing.accruals set aside',
      '3-nan-points.accruals set aside',
      '4-rows-beyond-the-end.accruals set aside',
      '5-not-a-file.accruals left',
    ]);
    expect(readdirSync(spill.directory).filter((name) => name.endsWith('.unreadable'))).toHaveLength(5);
    // Set aside once: the next start reports only the one left.
    const again: string[] = [];
    await spill.readAll((path) => again.push(basename(path)));
    expect(again).toEqual(['5-not-a-file.accruals']);
  });

  it('refuses bytes that are not a spill file', () => {
    expect(() => parseSpill(Buffer.alloc(0))).toThrow(/not an accrual spill file/);
    expect(() => parseSpill(Buffer.concat([Buffer.from('DASHACC1'), Buffer.from([255, 255, 0, 0])]))).toThrow(/truncated header/);
  });
});
