/**
 * Small, strict parsers for environment variables. Each returns the parsed value or throws a
 * ConfigIssue whose message names what was expected; the loader collects every issue so that one
 * start-up message lists all bad variables at once.
 */
export class ConfigIssue extends Error {}

export function parseInteger(raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigIssue(`expected an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigIssue(`expected an integer in [${min}, ${max}], got ${raw}`);
  }
  return value;
}

export function parseNumber(raw: string, min: number, max: number): number {
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigIssue(`expected a number in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

export function parseEnum<T extends string>(raw: string, allowed: readonly T[]): T {
  const value = raw.trim() as T;
  if (!allowed.includes(value)) {
    throw new ConfigIssue(`expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return value;
}

export function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function parseUrl(raw: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigIssue(`expected a URL, got "${redactUrl(raw)}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigIssue(`expected a ${protocols.join(' or ')} URL, got "${redactUrl(raw)}"`);
  }
  return raw.trim();
}

export function parseTimestamp(raw: string): Date {
  // RFC 3339 with an explicit zone only: a bare date-time would depend on the host's time zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw.trim())) {
    throw new ConfigIssue(`expected an RFC 3339 timestamp with a zone, got "${raw}"`);
  }
  const date = new Date(raw.trim());
  if (Number.isNaN(date.getTime())) throw new ConfigIssue(`expected a valid timestamp, got "${raw}"`);
  return date;
}

/** Hides the password of a connection string so that config errors never print secrets. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
