/** PostgreSQL error codes we act on. */
export const PgErrorCode = {
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
  CheckViolation: '23514',
  SerializationFailure: '40001',
  DeadlockDetected: '40P01',
} as const;

interface PgDriverError {
  code?: string;
  constraint?: string;
  driverError?: PgDriverError;
}

function driverErrorOf(error: unknown): PgDriverError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as PgDriverError;
  return candidate.driverError ?? candidate;
}

/** True when `error` is a unique violation of the named constraint (or of any, without a name). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const driverError = driverErrorOf(error);
  return (
    driverError?.code === PgErrorCode.UniqueViolation &&
    (constraint === undefined || driverError.constraint === constraint)
  );
}

export function constraintOf(error: unknown): string | undefined {
  return driverErrorOf(error)?.constraint;
}

/** Conflicts between concurrent transactions that are safe to retry from the start. */
export function isTransientConflict(error: unknown): boolean {
  const code = driverErrorOf(error)?.code;
  return code === PgErrorCode.DeadlockDetected || code === PgErrorCode.SerializationFailure;
}
