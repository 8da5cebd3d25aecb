import { Writable } from 'node:stream';

/** A pino destination that keeps every JSON log line, for assertions on what was logged. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      this.raw.push(line);
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.lines.push({ unparsed: line });
      }
    }
    done();
  }

  /** pino-http's access log lines, one per request. */
  accessLines(): Array<{ req: { id: string; url: string; headers: Record<string, string> }; res: { statusCode: number } }> {
    return this.lines.filter((line) => line.msg === 'request completed' || line.msg === 'request errored') as never;
  }
}
