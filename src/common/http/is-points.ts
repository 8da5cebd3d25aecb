import { registerDecorator, ValidationOptions } from 'class-validator';

/** A strictly positive number of points (zero and negatives are refused). */
export function IsPositivePoints(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isPositivePoints',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be greater than 0`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'number' && value > 0 },
    });
}

/**
 * A finite number with at most 6 decimals (whole micro-points). Replaces class-validator's
 * `maxDecimalPlaces`, which counts decimals in `toString()` and throws (a 500) on numbers that
 * print in exponent form, such as 1e-7.
 */
export function HasPointDecimals(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'hasPointDecimals',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be a number with at most 6 decimals`, ...options },
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(6)) === value,
      },
    });
}
