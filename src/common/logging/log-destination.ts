import type { DestinationStream } from 'pino';
import type { NodeEnv } from '../../config/app-config';

export type LogFormat = 'pretty' | 'json';

/**
 * Pretty lines for a person at a terminal while developing; JSON lines everywhere else (log
 * collectors, pipes, CI, tests, production). Pretty also needs pino-pretty, a development
 * dependency that production installs leave out.
 */
export function chooseLogFormat(nodeEnv: NodeEnv, stdoutIsTty: boolean, prettyInstalled: boolean): LogFormat {
  return nodeEnv === 'development' && stdoutIsTty && prettyInstalled ? 'pretty' : 'json';
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

/**
 * Where the service logs when the caller gives no destination: a pino-pretty stream on a
 * development terminal, else undefined (pino's own JSON to stdout).
 */
export function defaultLogDestination(nodeEnv: NodeEnv, stdout: { isTTY?: boolean } = process.stdout): DestinationStream | undefined {
  const pretty = loadPinoPretty();
  if (chooseLogFormat(nodeEnv, stdout.isTTY === true, pretty !== null) === 'json') return undefined;
  return pretty!({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    // Lines written as they come: the process may exit right after its last log line.
    sync: true,
  });
}

function loadPinoPretty(): PrettyFactory | null {
  try {
    return require('pino-pretty') as PrettyFactory;
  } catch {
    return null;
  }
}
