import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const OUTPUT = join(__dirname, '..', '..', 'test-output');

/**
 * Appends a measured figure (loss after a crash, uptime written vs counted, …) to
 * test-output/figures.jsonl, from which RELIABILITY.md's numbers are taken. Tests assert their
 * bounds themselves; this only keeps the measurements.
 */
export function recordFigure(test: string, name: string, value: number, unit: string): void {
  mkdirSync(OUTPUT, { recursive: true });
  appendFileSync(join(OUTPUT, 'figures.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), test, name, value, unit })}\n`);
}
