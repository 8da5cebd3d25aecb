/**
 * A small JSON cache with per-entry time to live. Misses and faults both return undefined: a cache
 * is never the source of truth, so callers fall back to the database.
 */
export abstract class Cache {
  abstract get<T>(key: string): Promise<T | undefined>;
  abstract set(key: string, value: unknown, ttlMs: number): Promise<void>;
  abstract delete(key: string): Promise<void>;
}
