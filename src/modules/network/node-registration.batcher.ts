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
    try {
      const rows = await this.connectMany(batch.map((waiting) => waiting.registration));
      // The rows are written: a failure here (an event is a hint) must not fail the Connects.
      await this.written([...new Set(batch.map((waiting) => waiting.registration.userId))]).catch(() => undefined);
      for (const waiting of batch) {
        const row = rows.get(keyOf(waiting.registration));
        if (row === undefined) waiting.reject(new Error('node registration returned no row'));
        else waiting.resolve(row);
      }
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    } finally {
      this.writing = false;
      if (this.queue.length > 0) this.schedule();
    }
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

function keyOf(registration: NodeRegistration): string {
  return `${registration.userId}:${registration.deviceId}`;
}
