import { Matches, ValidationOptions } from 'class-validator';

/**
 * PostgreSQL text cannot hold U+0000, so a NUL in a string that reaches a query fails there as a
 * database error (500). Refusing it at validation makes it the client's error it is (400).
 */
export function HasNoNul(options?: ValidationOptions) {
  return Matches(/^[^\u0000]*$/, { message: '$property must not contain NUL characters', ...options });
}
