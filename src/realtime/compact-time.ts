/**
 * Timestamps on per-socket objects (a Connection, a node session), kept as whole milliseconds
 * since this process started rather than since 1970. V8 keeps an integer field of up to 31 bits
 * inside its object; `Date.now()` is past that range, so every timestamp field of every socket
 * would otherwise be a separate 16-byte heap number (six per Connection, five per node session:
 * ~0.2 KiB per node socket). Offsets from the start fit for 24.8 days of uptime; past that V8
 * stores the larger ones as heap numbers again — still correct, only larger.
 *
 * 0 ("never") and Infinity ("not yet") are kept as the two ends of that range, so fields that use
 * them stay small integers too.
 */
const ORIGIN_MS = Date.now();
const NEVER = -(2 ** 31);
const NOT_YET = 2 ** 31 - 1;

/** `ms` (epoch milliseconds, 0 or Infinity) as stored; fractions are rounded to whole milliseconds. */
export function toCompactTime(ms: number): number {
  if (ms === 0) return NEVER;
  if (ms === Infinity) return NOT_YET;
  return Math.round(ms - ORIGIN_MS);
}

/** The epoch milliseconds (or 0, or Infinity) a stored time stands for. */
export function fromCompactTime(compact: number): number {
  if (compact === NEVER) return 0;
  if (compact === NOT_YET) return Infinity;
  return compact + ORIGIN_MS;
}
