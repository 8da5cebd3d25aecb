import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './load-config';

/** .env.example documents every variable, and its values are the defaults. */
describe('.env.example', () => {
  const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
  const entries = Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

  it('lists every variable the config reads', () => {
    const source = readFileSync(join(__dirname, 'load-config.ts'), 'utf8');
    const read = [...source.matchAll(/read(?:<[^>]+>)?\('([A-Z_]+)'/g)].map((match) => match[1]).sort();
    expect(read.length).toBeGreaterThan(25);
    expect(Object.keys(entries).sort()).toEqual(read);
  });

  it('parses as a valid configuration equal to the defaults', () => {
    expect(JSON.stringify(loadConfig(entries))).toBe(JSON.stringify(loadConfig({})));
  });
});
