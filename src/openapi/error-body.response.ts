import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { DashboardErrorType, ErrorBody, FieldProblem } from '../common/errors';
import { OnlyKeysOf } from './only-keys-of';

@ApiSchema({ name: 'FieldProblem', description: 'What is wrong with one field of the request' })
export class FieldProblemResponse implements FieldProblem, OnlyKeysOf<FieldProblem, FieldProblemResponse> {
  @ApiProperty({ example: 'wallet_address', description: 'Dotted path of the field (`items.0.amount`)' })
  field!: string;

  @ApiProperty({ type: [String], example: ['wallet_address has an invalid EIP-55 checksum'] })
  problems!: string[];
}

/** The body of every HTTP error (API.md, "Errors"). */
@ApiSchema({ name: 'ErrorBody', description: 'Body of every HTTP error response' })
export class ErrorBodyResponse implements ErrorBody, OnlyKeysOf<ErrorBody, ErrorBodyResponse> {
  @ApiProperty({ enum: DashboardErrorType, enumName: 'ErrorType', example: DashboardErrorType.ValidationError })
  error!: DashboardErrorType;

  @ApiProperty({
    example: 'Request validation failed',
    description: 'Human readable; generic for 5xx (never SQL, stack traces or host names)',
  })
  message!: string;

  @ApiProperty({ example: 'V1StGXR8_Z5jdHi6', description: 'Same as the `x-request-id` response header' })
  request_id!: string;

  @ApiPropertyOptional({
    type: [FieldProblemResponse],
    description: 'ValidationError only: the problems per field',
  })
  details?: FieldProblemResponse[];
}
