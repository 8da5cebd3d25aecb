import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { ClientFleet, ClientPool, emptyStats, mergeStats, PoolOptions, PoolStats } from './engine';

/**
 * Client pools in forked worker processes, so that the clients' CPU and memory are not the
 * server's and each process stays under its file limit (20,000 descriptors here). The parent
 * talks to each worker over IPC: start, storm, stats, stop.
 */

type ToWorker =
  | { type: 'init'; options: PoolOptions }
  | { type: 'start'; rampMs: number }
  | { type: 'storm'; id: number; fraction: number }
  | { type: 'stats'; id: number }
  | { type: 'stop'; id: number };

type FromWorker = { type: 'ready' } | { type: 'reply'; id: number; value: PoolStats | number };

export class WorkerFleet implements ClientFleet {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: PoolStats | number) => void; reject: (error: Error) => void }>();

  private constructor(private readonly workers: readonly ChildProcess[]) {
    for (const worker of workers) {
      worker.on('message', (message: FromWorker) => {
        if (message.type !== 'reply') return;
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        waiter?.resolve(message.value);
      });
      worker.on('exit', (code) => {
        for (const [id, waiter] of this.pending) {
          this.pending.delete(id);
          waiter.reject(new Error(`a soak worker exited (${code})`));
        }
      });
    }
  }

  /** Forks one worker per options entry and waits until each is ready. */
  static async launch(perWorker: readonly PoolOptions[]): Promise<WorkerFleet> {
    const script = join(__dirname, 'client-worker.js');
    const workers = perWorker.map((options) => {
      const worker = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=2048'] });
      worker.send({ type: 'init', options } satisfies ToWorker);
      return worker;
    });
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', (message: FromWorker) => (message.type === 'ready' ? resolve() : reject(new Error('bad hello'))));
            worker.once('exit', (code) => reject(new Error(`a soak worker exited at start (${code})`)));
          }),
      ),
    );
    return new WorkerFleet(workers);
  }

  start(rampMs: number): Promise<void> {
    for (const worker of this.workers) worker.send({ type: 'start', rampMs } satisfies ToWorker);
    return Promise.resolve();
  }

  async storm(fraction: number): Promise<number> {
    const counts = await Promise.all(this.workers.map((worker) => this.ask(worker, (id) => ({ type: 'storm', id, fraction }))));
    return counts.reduce<number>((sum, count) => sum + (count as number), 0);
  }

  async stats(): Promise<PoolStats> {
    const all = await Promise.all(this.workers.map((worker) => this.ask(worker, (id) => ({ type: 'stats', id }))));
    return all.reduce<PoolStats>((sum, stats) => mergeStats(sum, stats as PoolStats), emptyStats());
  }

  async stop(): Promise<PoolStats> {
    const all = await Promise.all(this.workers.map((worker) => this.ask(worker, (id) => ({ type: 'stop', id }))));
    for (const worker of this.workers) worker.kill();
    return all.reduce<PoolStats>((sum, stats) => mergeStats(sum, stats as PoolStats), emptyStats());
  }

  private ask(worker: ChildProcess, message: (id: number) => ToWorker): Promise<PoolStats | number> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.send(message(id));
    });
  }
}

/** The worker side (soak/client-worker.ts): one pool, driven by the parent's messages. */
export function runWorker(channel: NodeJS.Process): void {
  let pool: ClientPool | null = null;
  const reply = (id: number, value: PoolStats | number) => channel.send?.({ type: 'reply', id, value } satisfies FromWorker);
  channel.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'init':
        pool = new ClientPool(message.options);
        channel.send?.({ type: 'ready' } satisfies FromWorker);
        return;
      case 'start':
        pool?.start(message.rampMs);
        return;
      case 'storm':
        reply(message.id, pool?.storm(message.fraction) ?? 0);
        return;
      case 'stats':
        reply(message.id, pool?.snapshot() ?? emptyStats());
        return;
      case 'stop':
        void (pool?.stop() ?? Promise.resolve(emptyStats())).then((stats) => reply(message.id, stats));
        return;
    }
  });
  channel.on('disconnect', () => process.exit(0));
}
