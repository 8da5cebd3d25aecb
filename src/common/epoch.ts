/** Epoch arithmetic of API.md: `floor((t − EPOCH_GENESIS) / EPOCH_SECONDS)`. */
export interface EpochSettings {
  readonly epochSeconds: number;
  readonly epochGenesis: Date;
}

export function epochOf(at: Date, settings: EpochSettings): number {
  return Math.floor((at.getTime() - settings.epochGenesis.getTime()) / (settings.epochSeconds * 1000));
}

export function epochStart(epoch: number, settings: EpochSettings): Date {
  return new Date(settings.epochGenesis.getTime() + epoch * settings.epochSeconds * 1000);
}

/** Start of the UTC hour containing `at`: the bucket key of aggregated earnings rows. */
export function hourBucketOf(at: Date): Date {
  const ms = at.getTime();
  return new Date(ms - (((ms % 3_600_000) + 3_600_000) % 3_600_000));
}

/** Start of the UTC day containing `at` ("today" in summaries). */
export function utcDayStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/**
 * Start of the ledger bucket containing `at`: the UTC hour, cut at an epoch boundary when an
 * epoch starts inside that hour, so that an aggregated row never spans two epochs.
 */
export function ledgerBucketOf(at: Date, settings: EpochSettings): Date {
  return new Date(ledgerBucketStartMs(at.getTime(), settings));
}

/** `ledgerBucketOf` in milliseconds, allocation-free for the heartbeat path. */
export function ledgerBucketStartMs(ms: number, settings: EpochSettings): number {
  const hour = ms - (((ms % 3_600_000) + 3_600_000) % 3_600_000);
  const epochMs = settings.epochSeconds * 1000;
  const genesis = settings.epochGenesis.getTime();
  const epoch = genesis + Math.floor((ms - genesis) / epochMs) * epochMs;
  return Math.max(hour, epoch);
}
