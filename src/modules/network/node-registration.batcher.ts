import { yieldToEventLoop } from '../../common/event-loop';
import { isTransientConflict } from '../../database/pg-errors';
import { NetworkRepository, NodeWithTodayRow } from './network.repository';

/** Registrations written in one statement at most (bounds the statement and its lock set). */
const MAX_BATCH = 1_000;
/**
 * Tries of one batch when PostgreSQL aborts it for a deadlock or serialization failure. The
 * statement locks in id order, as the other writers of these rows do, but two instances creating
 * the same new device at once can still meet; the batch only sets each node's connected state,
 * so writing it again is safe.
 */
const ATTEMPTS = 3;
/**
 * Connects of a written batch that go on (Connected, snapshot, writes: promise jobs, run back to
 * back) before the event loop gets a turn: ~6 ms at the ~0.1 ms a Connect takes. A batch handed
 * out at once held the loop for all of its Connects (23 ms for 240 in the bench's storm of 10,000;
 * a remote PostgreSQL's longer round trip gathers larger batches), stalling the heartbeats of the
 * sockets already connected. A count, not a time: the time until the loop comes round also holds
 * everything else it does then, and a slice sized by it shrank to a few Connects a turn in a storm.
 */
const HAND_OUT_SLICE = 64;

export interface NodeRegistration {
  userId: number;
  deviceId: string;
  networkName: string;
  ip: string | null;
  sessionId: string;
}

interface Waiting {
  registration: NodeRegistration;
  resolve: (node: NodeWithTodayRow) => void;
  reject: (error: unknown) => void;
}

/**
 * Node registration at Connect, batched: the Connects that arrive within one turn of the event
 * loop (a reconnect storm brings thousands) are written with one statement instead of one round
 * trip each. While a batch is being written the next one gathers, so at most one statement is in
 * flight and Connects queue and are served in order rather than piling onto the pool. A device
 * twice in one batch waits for the next (one statement cannot update a row twice).
 */
export class NodeRegistrationBatcher {
  private queue: Waiting[] = [];
  private scheduled = false;
  private writing = false;
  /** The batches written and still being handed out, in order: the next waits for it. */
  private handingOut: Promise<void> = Promise.resolve();

  constructor(
    private readonly nodes: NetworkRepository,
    /** After a batch is written, before its Connects go on: the owners whose nodes it connected. */
    private readonly written: (userIds: number[]) => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Registers the node (connected, under this session) and resolves with its row as written. */
  register(registration: NodeRegistration): Promise<NodeWithTodayRow> {
    return new Promise<NodeWithTodayRow>((resolve, reject) => {
      this.queue.push({ registration, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.write();
    });
  }

  private async write(): Promise<void> {
    if (this.queue.length === 0) return;
    this.writing = true;
    const batch: Waiting[] = [];
    const keys = new Set<string>();
    const rest: Waiting[] = [];
    for (const waiting of this.queue) {
      const key = keyOf(waiting.registration);
      if (batch.length < MAX_BATCH && !keys.has(key)) {
        keys.add(key);
        batch.push(waiting);
      } else {
        rest.push(waiting);
      }
    }
    this.queue = rest;
    let settle: (waiting: Waiting) => void;
    try {
      const rows = await this.connectMany(batch.map((waiting) => waiting.registration));
      // The rows are written: a failure here (an event is a hint) must not fail the Connects.
      await this.written([...new Set(batch.map((waiting) => waiting.registration.userId))]).catch(() => undefined);
      settle = (waiting) => {
        const row = rows.get(keyOf(waiting.registration));
        if (row === undefined) waiting.reject(new Error('node registration returned no row'));
        else waiting.resolve(row);
      };
    } catch (error) {
      settle = (waiting) => waiting.reject(error);
    }
    // The next batch is written while this one is handed out; Connects still go on in order.
    // (Settling cannot throw; the catch keeps one surprise from stopping every later hand-out.)
    this.handingOut = this.handingOut.then(() => handOutInSlices(batch, settle)).catch(() => undefined);
    this.writing = false;
    if (this.queue.length > 0) this.schedule();
  }

  private async connectMany(registrations: NodeRegistration[]): Promise<Map<string, NodeWithTodayRow>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.nodes.connectMany(registrations);
      } catch (error) {
        if (attempt >= ATTEMPTS || !isTransientConflict(error)) throw error;
      }
    }
  }
}

/**
 * Settles the waiters HAND_OUT_SLICE at a time, letting the event loop come round between slices
 * (one slice per turn beside the other work that yields so, such as a flush's shards).
 */
async function handOutInSlices(waiting: readonly Waiting[], settle: (waiting: Waiting) => void): Promise<void> {
  for (let i = 0; i < waiting.length; i++) {
    if (i > 0 && i % HAND_OUT_SLICE === 0) await yieldToEventLoop();
    settle(waiting[i]!);
  }
}

function keyOf(registration: NodeRegistration): string {
  return `${registration.userId}:${registration.deviceId}`;
}
