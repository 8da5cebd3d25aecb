import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const MAIN_JS = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the base URL once the service logs that it listens. */
  readonly ready: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line matching, or rejects when the process exits first. */
  waitForLine(pattern: RegExp): Promise<string>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Runs the built service (`dist/src/main.js`, made by `npm run build`) as a real process, for what
 * only a process shows: exit codes, signals, restarts.
 */
export function spawnService(env: Record<string, string>, cwd?: string): ServiceProcess {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error(`process exited (${code ?? signal}) before ${waiter.pattern}; stderr: ${stderr.join('\n')}`));
      }
      resolve({ code, signal });
    });
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));

  const waitForLine = (pattern: RegExp) => {
    const seen = stdout.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    if (child.exitCode !== null) return Promise.reject(new Error(`process already exited before ${pattern}`));
    return new Promise<string>((resolve, reject) => waiters.push({ pattern, resolve, reject }));
  };
  const ready = waitForLine(/Listening on http/).then((line) => /Listening on (http:\/\/[^"\s]+)/.exec(line)![1]!);
  ready.catch(() => undefined);
  return { child, stdout, stderr, ready, exited, waitForLine, kill: (signal = 'SIGTERM') => child.kill(signal) };
}
