import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** Usernames: 3–32 of [A-Za-z0-9_] (API.md), unique regardless of case. */
export function IsUsername(required = true) {
  return applyDecorators(
    ApiProperty({ example: 'alice_01', pattern: '^[A-Za-z0-9_]{3,32}$', required }),
    IsString(),
    Matches(/^[A-Za-z0-9_]{3,32}$/, { message: 'username must be 3-32 letters, digits or underscores' }),
  );
}
