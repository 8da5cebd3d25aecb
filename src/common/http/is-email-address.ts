import { isEmail, ValidateBy, ValidationOptions } from 'class-validator';

/** A UTF-16 surrogate without its pair: not text, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * class-validator's IsEmail, safe on any string: validator's isEmail runs encodeURI, which throws
 * a URIError (a 500) on a lone surrogate such as "\ud800"; such a string is simply not an email.
 */
export function IsEmailAddress(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isEmailAddress',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && !LONE_SURROGATE.test(value) && isEmail(value),
        defaultMessage: () => '$property must be a valid email address',
      },
    },
    options,
  );
}
