import { registerDecorator, ValidationOptions } from 'class-validator';
import { isAddress } from 'viem';

/** `0x` + 40 hex digits, all lower-case or with a correct EIP-55 checksum (viem's strict check). */
export function IsWalletAddress(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isWalletAddress',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isAddress(value),
        defaultMessage: (args) =>
          typeof args?.value === 'string' && isAddress(args.value, { strict: false })
            ? `${args.property} has an invalid EIP-55 checksum`
            : `${args?.property ?? 'address'} must be 0x followed by 40 hexadecimal digits`,
      },
    });
}
