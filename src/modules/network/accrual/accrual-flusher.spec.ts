import { Logger } from '@nestjs/common';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../config';
import { LedgerBatch, NetworkCreditColumns, NodeProgressColumns } from '../../earnings/ledger-batch';
import { LedgerOutcomeUnknown } from '../../earnings/ledger.repository';
import { ApplyOptions, LedgerService } from '../../earnings/ledger.service';
import { RealtimeMetrics } from '../../../realtime/realtime.metrics';
import { AccrualFlusher } from './accrual-flusher.service';

/** The flusher's retry rules, with the ledger replaced by a scripted fake. */
describe('AccrualFlusher', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  /**
   * `unknown:N`: the COMMIT outcome of a batch split into N shards is unknown; `hang:N`: its N
   * transactions start and never answer.
   */
  type Outcome = 'ok' | 'fail' | 'unknown' | `unknown:${number}` | `hang:${number}`;

  /** A ledger that answers `outcomes` in turn, then `otherwise` for ever. */
  function setup(outcomes: Outcome[], env: Record<string, string> = {}, otherwise: Outcome = 'ok') {
    const attempts: LedgerBatch[] = [];
    const signals: AbortSignal[] = [];
    const ledger = {
      apply: jest.fn((batch: LedgerBatch, options: ApplyOptions = {}) => {
        attempts.push(batch);
        if (options.signal) signals.push(options.signal);
        const outcome = outcomes.shift() ?? otherwise;
        if (outcome.startsWith('hang')) {
          options.onSplit?.(Number(outcome.split(':')[1]));
          return new Promise(() => undefined);
        }
        if (outcome === 'fail') return Promise.reject(new Error('connection refused'));
        if (outcome.startsWith('unknown')) {
          // As the ledger does: the split is told as the transactions start.
          options.onSplit?.(outcome === 'unknown' ? 1 : Number(outcome.split(':')[1]));
          return Promise.reject(new LedgerOutcomeUnknown(new Error('connection lost during COMMIT')));
        }
        return Promise.resolve({ applied: true });
      }),
    } as unknown as LedgerService;
    const flusher = new AccrualFlusher(ledger, loadConfig(env), new RealtimeMetrics());
    return { flusher, attempts, signals };
  }

  const nodesOf = (batch: LedgerBatch) => (batch.nodes instanceof NodeProgressColumns ? batch.nodes.toProgress() : batch.nodes);
  const total = (batch: LedgerBatch) => {
    const network = batch.network instanceof NetworkCreditColumns ? batch.network.toCredits() : batch.network;
    return network.reduce((sum, credit) => sum + credit.amount, 0n);
  };

  it('puts a batch that failed before commit back, merged with newer accruals, under a new id', async () => {
    const { flusher, attempts } = setup(['fail', 'ok']);
    flusher.buffer.add(1, 10, 0, 30, 500, 1, 1_000);
    await flusher.flush();
    expect(flusher.buffer.size).toBe(1);
    flusher.buffer.add(1, 10, 0, 30, 300, 1, 2_000);
    await flusher.flush();
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.id).not.toBe(attempts[0]!.id);
    expect(total(attempts[1]!)).toBe(800n);
    expect(nodesOf(attempts[1]!)).toEqual([expect.objectContaining({ nodeId: 1, seconds: 60, points: 800n })]);
    expect(flusher.idle).toBe(true);
  });

  it('retries a batch whose commit outcome is unknown under the same id, before newer accruals', async () => {
    const { flusher, attempts } = setup(['unknown', 'unknown', 'ok', 'ok']);
    flusher.buffer.add(1, 10, 0, 30, 500, 1, 1_000);
    await flusher.flush();
    flusher.buffer.add(2, 11, 0, 30, 700, 1, 2_000);
    await flusher.flush(); // the uncertain batch again, still failing; the new accruals wait
    expect(attempts.map((batch) => batch.id)).toEqual([attempts[0]!.id, attempts[0]!.id]);
    await flusher.flush();
    expect(attempts[2]!.id).toBe(attempts[0]!.id);
    expect(total(attempts[2]!)).toBe(500n);
    expect(total(attempts[3]!)).toBe(700n);
    expect(flusher.idle).toBe(true);
  });

  it('keeps a batch of unknown outcome as it is when its retry fails before commit (never re-buffered under a new id)', async () => {
    // The outage case: COMMIT lost, then the database refuses connections for a while.
    const { flusher, attempts } = setup(['unknown', 'fail', 'fail', 'ok', 'ok']);
    flusher.buffer.add(1, 10, 0, 30, 500, 1, 1_000);
    await flusher.flush();
    await flusher.flush();
    expect(flusher.buffer.size).toBe(0);
    flusher.buffer.add(1, 10, 0, 30, 300, 1, 2_000);
    await flusher.flush();
    await flusher.flush();
    expect(attempts.map((batch) => batch.id)).toEqual([attempts[0]!.id, attempts[0]!.id, attempts[0]!.id, attempts[0]!.id, attempts[4]!.id]);
    expect(attempts[4]!.id).not.toBe(attempts[0]!.id);
    expect(total(attempts[3]!)).toBe(500n);
    // The newer accruals alone: the uncertain batch's 500 is not written a second time.
    expect(total(attempts[4]!)).toBe(300n);
    expect(flusher.idle).toBe(true);
  });

  it('sends credits per bucket and node progress in node order, summed over buckets', async () => {
    const { flusher, attempts } = setup(['ok', 'ok']);
    flusher.buffer.add(3, 10, 0, 30, 500, 0.5, 1_000);
    flusher.buffer.add(1, 11, 0, 30, 200, 1, 1_500);
    flusher.buffer.add(3, 10, 3_600_000, 10, 100, 0.75, 3_600_500);
    await flusher.flush();
    const credits = (attempts[0]!.network as NetworkCreditColumns).toCredits();
    expect(credits).toEqual([
      { userId: 10, amount: 500n, at: new Date(0) },
      { userId: 11, amount: 200n, at: new Date(0) },
      { userId: 10, amount: 100n, at: new Date(3_600_000) },
    ]);
    expect(nodesOf(attempts[0]!)).toEqual([
      { nodeId: 1, seconds: 30, points: 200n, score: 1, lastSeenAt: new Date(1_500) },
      { nodeId: 3, seconds: 40, points: 600n, score: 0.75, lastSeenAt: new Date(3_600_500) },
    ]);
    // One bucket: entries become progress as they are, still in node order.
    flusher.buffer.add(9, 12, 0, 30, 1, 1, 2_000);
    flusher.buffer.add(4, 13, 0, 30, 2, 1, 2_000);
    await flusher.flush();
    expect(nodesOf(attempts[1]!).map((node) => node.nodeId)).toEqual([4, 9]);
  });

  it('does not overlap flushes', async () => {
    const { flusher, attempts } = setup(['ok']);
    flusher.buffer.add(1, 10, 0, 30, 500, 1, 1_000);
    await Promise.all([flusher.flush(), flusher.flush(), flusher.flush()]);
    expect(attempts).toHaveLength(1);
  });

  describe('a stop the database does not answer in time', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'dash-spill-'));
    });
    afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
    // The stop retries for 100 ms against a ledger that keeps failing: how many tries fit is
    // immaterial (each fails), what is pending at the end is spilled.
    const env = () => ({ DATA_DIR: dataDir, SHUTDOWN_FLUSH_MS: '100' });
    const spillFiles = () => readdirSync(join(dataDir, 'unwritten-accruals', 'embedded')).filter((name) => name.endsWith('.accruals'));

    it('spills what is pending and the next start writes it first, under the same ids and shard split', async () => {
      const first = setup(['unknown:3'], env(), 'fail');
      first.flusher.buffer.add(1, 10, 0, 30, 500, 1, 1_000);
      await first.flusher.flush(); // outcome unknown: kept under its id, split in 3
      first.flusher.buffer.add(2, 11, 0, 30, 700, 0.5, 2_000);
      await first.flusher.beforeApplicationShutdown(); // one last try fails; spilled
      expect(spillFiles()).toHaveLength(1);
      const uncertainId = first.attempts[0]!.id;

      const second = setup(['ok', 'ok'], env());
      await second.flusher.onApplicationBootstrap();
      expect(second.flusher.idle).toBe(false);
      second.flusher.buffer.add(3, 12, 0, 30, 900, 1, 3_000);
      await second.flusher.flush();
      const [replayedUncertain, replayedBuffer, fresh] = second.attempts;
      expect(replayedUncertain!.id).toBe(uncertainId);
      expect(replayedUncertain!.shards).toBe(3);
      expect(total(replayedUncertain!)).toBe(500n);
      // The buffered accruals became a batch with an id of its own when spilled (never tried: no split).
      expect(replayedBuffer!.id).toMatch(/^accrual:/);
      expect(replayedBuffer!.id).not.toBe(uncertainId);
      expect(replayedBuffer!.shards).toBeUndefined();
      expect(total(replayedBuffer!)).toBe(700n);
      expect(nodesOf(replayedBuffer!)).toEqual([{ nodeId: 2, seconds: 30, points: 700n, score: 0.5, lastSeenAt: new Date(2_000) }]);
      // Then what this run buffered.
      expect(total(fresh!)).toBe(900n);
      expect(spillFiles()).toEqual([]);
      expect(second.flusher.idle).toBe(true);
    });

    it('keeps the spill file until every batch in it is written, and spills again on another failed stop', async () => {
      const first = setup([], env(), 'fail');
      first.flusher.buffer.add(1, 10, 0, 30, 500, 1, 1_000);
      await first.flusher.beforeApplicationShutdown();
      const [firstFile] = spillFiles();

      const second = setup([], env(), 'fail');
      await second.flusher.onApplicationBootstrap();
      await second.flusher.flush();
      expect(spillFiles()).toEqual([firstFile]);
      await second.flusher.beforeApplicationShutdown();
      // One file again: the new one holds the old batch, under its id.
      const files = spillFiles();
      expect(files).toHaveLength(1);
      expect(files[0]).not.toBe(firstFile);

      const third = setup(['ok'], env());
      await third.flusher.onApplicationBootstrap();
      await third.flusher.flush();
      // The id the first spill gave it (its first try failed before COMMIT: a new id was fine then).
      expect(third.attempts.map((batch) => batch.id)).toEqual([second.attempts[0]!.id]);
      expect(total(third.attempts[0]!)).toBe(500n);
      expect(spillFiles()).toEqual([]);
    });

    it('spills a write the database does not answer by the deadline, under its id and the split it started with', async () => {
      const first = setup(['hang:2'], env());
      first.flusher.buffer.add(1, 10, 0, 30, 500, 1, 1_000);
      await first.flusher.beforeApplicationShutdown(); // returns at the deadline, the write still pending
      expect(first.attempts).toHaveLength(1);
      // Nothing new starts after the spill.
      expect(first.signals[0]!.aborted).toBe(true);
      expect(spillFiles()).toHaveLength(1);

      const second = setup([], env());
      await second.flusher.onApplicationBootstrap();
      await second.flusher.flush();
      expect(second.attempts.map((batch) => [batch.id, batch.shards, total(batch)])).toEqual([[first.attempts[0]!.id, 2, 500n]]);
      expect(spillFiles()).toEqual([]);
    });

    it('starts when the spill directory cannot be listed, replaying nothing', async () => {
      writeFileSync(join(dataDir, 'unwritten-accruals'), 'not a directory');
      const { flusher, attempts } = setup([], env());
      await flusher.onApplicationBootstrap();
      expect(attempts).toEqual([]);
      expect(flusher.idle).toBe(true);
    });

    it('writes no file when everything was written', async () => {
      const { flusher } = setup(['ok'], env());
      flusher.buffer.add(1, 10, 0, 30, 500, 1, 1_000);
      await flusher.beforeApplicationShutdown();
      expect(() => spillFiles()).toThrow(/ENOENT/);
    });
  });
});
