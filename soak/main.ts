/** `npm run soak -- --minutes 5 --sockets 5000`: see soak/cli.ts and RELIABILITY.md. */
import 'reflect-metadata';
import { runCli } from './cli';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
