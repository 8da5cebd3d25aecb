import { TestSocket } from './ws-client';

/**
 * One node session as its client timed it. The server reads each of these moments somewhere
 * between the client's two times around it: its Connect between `connectSent` and `connected`,
 * each heartbeat between its send and its reply, and its last one before the client saw the close.
 */
export interface NodeSession {
  /** Before Connect went out. */
  readonly connectSent: number;
  /** After Connected arrived. */
  connected: number;
  /** Send time of each heartbeat. */
  readonly sent: number[];
  /** Send time of each heartbeat the server answered (so it counted). */
  readonly answered: number[];
  /** When the client saw the socket close (0 while open). */
  closedAt: number;
}

/** Uptime the server may have credited, in seconds: an exact interval, not a tolerance. */
export interface UptimeBounds {
  readonly lower: number;
  readonly upper: number;
}

/**
 * A node app for fault tests: connects, heartbeats every `heartbeatMs`, reconnects (with a short
 * backoff) when the socket closes, and keeps the timing of every session. From that it tells the
 * bounds of the uptime the server credits. The bounds are exact only while no credited gap is
 * capped, so the service under test must advise a heartbeat interval well above `heartbeatMs`
 * (ADVISED_FACTOR times it): a busy machine's scheduling delays then never reach the cap.
 */
export class NodeRunner {
  /** Advise the service this many times the runner's period (HEARTBEAT_INTERVAL_MS). */
  static readonly ADVISED_FACTOR = 10;

  readonly sessions: NodeSession[] = [];
  readonly closeCodes: number[] = [];
  private socket: TestSocket | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly wsUrl: () => string,
    private readonly token: string,
    readonly deviceId: string,
    private readonly heartbeatMs: number,
  ) {}

  start(): this {
    this.loop = this.run();
    return this;
  }

  /** Sends Disconnect and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    const socket = this.socket;
    if (socket !== null && socket.ws.readyState === socket.ws.OPEN) socket.send({ type: 'Disconnect' });
    await this.loop;
  }

  /**
   * What the server credits for these sessions (by default all), each written in full (no crash
   * since): at least from Connected to the last answered heartbeat's send, at most from Connect's
   * send to the close. Less a millisecond per beat of rounding (uptime is stored to the ms).
   */
  creditBounds(sessions: readonly NodeSession[] = this.sessions): UptimeBounds {
    let lower = 0;
    let upper = 0;
    for (const session of sessions) {
      const lastAnswered = session.answered.at(-1);
      if (lastAnswered !== undefined) lower += Math.max(0, lastAnswered - session.connected) - session.answered.length;
      upper += (session.closedAt === 0 ? Date.now() : session.closedAt) - session.connectSent;
    }
    return { lower: lower / 1000, upper: upper / 1000 };
  }

  /** Seconds of uptime the client counted (answered heartbeats' intervals), for the figures. */
  countedSeconds(sessions: readonly NodeSession[] = this.sessions): number {
    let total = 0;
    for (const session of sessions) {
      let previous = session.connected;
      for (const at of session.answered) {
        total += at - previous;
        previous = at;
      }
    }
    return total / 1000;
  }

  get answeredHeartbeats(): number {
    return this.sessions.reduce((sum, session) => sum + session.answered.length, 0);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const socket = await TestSocket.open(this.wsUrl(), '/ws/dashboard', { token: this.token });
        this.socket = socket;
        const session: NodeSession = { connectSent: Date.now(), connected: 0, sent: [], answered: [], closedAt: 0 };
        let sentAt = 0;
        // Credit the time a heartbeat was sent, once the server answered it (so it counted).
        socket.ws.on('message', () => {
          if (sentAt !== 0 && socket.frames[socket.frames.length - 1]?.type === 'Heartbeat') {
            session.answered.push(sentAt);
            sentAt = 0;
          }
        });
        socket.ws.once('close', () => (session.closedAt = Date.now()));
        await socket.connect({ device_id: this.deviceId });
        session.connected = Date.now();
        this.sessions.push(session);
        const timer = setInterval(() => {
          if (socket.ws.readyState !== socket.ws.OPEN || this.stopped) return;
          sentAt = Date.now();
          session.sent.push(sentAt);
          socket.send({ type: 'Heartbeat' });
        }, this.heartbeatMs);
        const { code } = await socket.closed;
        clearInterval(timer);
        this.closeCodes.push(code);
      } catch {
        // The server is down or restarting: try again shortly.
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
