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
