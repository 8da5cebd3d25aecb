import { NetworkRepository, NodeWithTodayRow } from './network.repository';
import { NodeRegistration, NodeRegistrationBatcher } from './node-registration.batcher';

describe('NodeRegistrationBatcher', () => {
  const registration = (userId: number, deviceId: string): NodeRegistration => ({
    userId,
    deviceId,
    networkName: deviceId,
    ip: '203.0.113.9',
    sessionId: `s-${userId}-${deviceId}`,
  });

  /** A repository whose connectMany answers with a row per node, ids in call order. */
  function fakeRepository(calls: NodeRegistration[][]): NetworkRepository {
    let nextId = 1;
    return {
      connectMany: (nodes: NodeRegistration[]) => {
        calls.push([...nodes]);
        const rows = new Map<string, NodeWithTodayRow>();
        for (const node of nodes) rows.set(`${node.userId}:${node.deviceId}`, { id: nextId++, userId: node.userId, deviceId: node.deviceId, earnedToday: '0' } as NodeWithTodayRow);
        return Promise.resolve(rows);
      },
    } as unknown as NetworkRepository;
  }

  it('writes the Connects of one turn in one statement, tells their owners once, then hands each its row', async () => {
    const calls: NodeRegistration[][] = [];
    const written: number[][] = [];
    const order: string[] = [];
    const batcher = new NodeRegistrationBatcher(fakeRepository(calls), (userIds) => {
      written.push(userIds);
      order.push('written');
      return Promise.resolve();
    });
    const nodes = [registration(1, 'a'), registration(1, 'b'), registration(2, 'a')];
    const rows = await Promise.all(
      nodes.map((node) =>
        batcher.register(node).then((row) => {
          order.push('resolved');
          return row;
        }),
      ),
    );
    expect(calls).toHaveLength(1);
    expect(written).toEqual([[1, 2]]);
    expect(order).toEqual(['written', 'resolved', 'resolved', 'resolved']);
    expect(rows.map((row) => `${row.userId}:${row.deviceId}`)).toEqual(['1:a', '1:b', '2:a']);
  });

  it('still connects the nodes when telling their owners fails', async () => {
    const batcher = new NodeRegistrationBatcher(fakeRepository([]), () => Promise.reject(new Error('bus down')));
    await expect(batcher.register(registration(3, 'x'))).resolves.toMatchObject({ userId: 3, deviceId: 'x' });
  });

  it('writes a batch again when PostgreSQL aborted it for a deadlock, and not for other errors', async () => {
    const calls: NodeRegistration[][] = [];
    const repository = fakeRepository(calls);
    const connectMany = repository.connectMany.bind(repository);
    const failures: Error[] = [Object.assign(new Error('deadlock detected'), { code: '40P01' })];
    repository.connectMany = (nodes) => {
      const failure = failures.shift();
      if (failure === undefined) return connectMany(nodes);
      calls.push([...nodes]);
      return Promise.reject(failure);
    };
    const batcher = new NodeRegistrationBatcher(repository);
    await expect(batcher.register(registration(4, 'x'))).resolves.toMatchObject({ userId: 4, deviceId: 'x' });
    expect(calls).toHaveLength(2);

    failures.push(new Error('connection terminated'));
    await expect(batcher.register(registration(4, 'y'))).rejects.toThrow('connection terminated');
    expect(calls).toHaveLength(3);
  });

  it('hands a large batch out over several turns of the event loop, in order, and writes the next batch meanwhile', async () => {
    const calls: NodeRegistration[][] = [];
    const repository = fakeRepository(calls);
    const handedOut: string[] = [];
    const handedOutAtWrite: number[] = [];
    const connectMany = repository.connectMany.bind(repository);
    repository.connectMany = (nodes) => {
      handedOutAtWrite.push(handedOut.length);
      return connectMany(nodes);
    };
    const batcher = new NodeRegistrationBatcher(repository);
    let handedOutBeforeTurn = -1;
    const first = Array.from({ length: 200 }, (_, i) => registration(1, `d${i}`));
    const continuations = first.map((node) =>
      batcher.register(node).then((row) => {
        // What a Connect does once registered (frames, writes), in promise jobs: a turn queued by
        // the first one runs only when the hand-out lets the loop come round.
        if (handedOut.length === 0) setImmediate(() => (handedOutBeforeTurn = handedOut.length));
        handedOut.push(row.deviceId);
      }),
    );
    // The first batch is written; a Connect arriving now is written while the first is handed out.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const second = batcher.register(registration(2, 'late')).then((row) => handedOut.push(`late ${row.deviceId}`));
    await Promise.all([...continuations, second]);
    expect(handedOutBeforeTurn).toBeGreaterThan(0);
    expect(handedOutBeforeTurn).toBeLessThan(first.length);
    expect(handedOut).toEqual([...first.map((node) => node.deviceId), 'late late']);
    expect(calls.map((batch) => batch.length)).toEqual([200, 1]);
    expect(handedOutAtWrite[1]).toBeLessThan(first.length);
  });
});
