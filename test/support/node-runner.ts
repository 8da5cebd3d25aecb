import { TestSocket } from './ws-client';

/**
 * A node app for fault tests: connects, heartbeats every `heartbeatMs`, reconnects (with a short
 * backoff) when the socket closes, and counts on its side the uptime the earning rules credit —
 * per session, the capped intervals between its Connected and each answered heartbeat. Tests
 * compare that count with what the server wrote.
 */
export class NodeRunner {
  /** Per session: Connected time, then the time of each heartbeat the server answered. */
  readonly sessions: number[][] = [];
  readonly closeCodes: number[] = [];
  private socket: TestSocket | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly wsUrl: () => string,
    private readonly token: string,
    private readonly deviceId: string,
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

  /** Seconds of uptime the earning rules credit for what this client saw answered. */
  creditedSeconds(): number {
    let total = 0;
    for (const beats of this.sessions) {
      for (let i = 1; i < beats.length; i++) total += Math.min(beats[i]! - beats[i - 1]!, 2 * this.heartbeatMs);
    }
    return total / 1000;
  }

  get answeredHeartbeats(): number {
    return this.sessions.reduce((sum, beats) => sum + beats.length - 1, 0);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const socket = await TestSocket.open(this.wsUrl(), '/ws/dashboard', { token: this.token });
        this.socket = socket;
        await socket.connect({ device_id: this.deviceId });
        const beats = [Date.now()];
        this.sessions.push(beats);
        let sentAt = 0;
        // Credit the time a heartbeat was sent, once the server answered it (so it counted).
        socket.ws.on('message', () => {
          if (sentAt !== 0 && socket.frames[socket.frames.length - 1]?.type === 'Heartbeat') {
            beats.push(sentAt);
            sentAt = 0;
          }
        });
        const timer = setInterval(() => {
          if (socket.ws.readyState !== socket.ws.OPEN || this.stopped) return;
          sentAt = Date.now();
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
