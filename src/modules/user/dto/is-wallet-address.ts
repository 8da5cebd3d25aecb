import { registerDecorator, ValidationOptions } from 'class-validator';
import { walletAddressProblem } from '../wallet-address';

/** `0x` + 40 hex digits, with the EIP-55 checksum enforced when the address is mixed-case. */
export function IsWalletAddress(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isWalletAddress',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && walletAddressProblem(value) === null,
        defaultMessage: (args) =>
          typeof args?.value === 'string' && walletAddressProblem(args.value) === 'checksum'
            ? 'wallet_address has an invalid EIP-55 checksum'
            : 'wallet_address must be 0x followed by 40 hexadecimal digits',
      },
    });
}
