import type { OpenAPIObject } from '@nestjs/swagger';

const HEADER = 'x-request-id';

/**
 * Every HTTP response carries `x-request-id` (API.md, "Errors"): declared once as a component and
 * referenced from every response of every operation, instead of on each decorator.
 */
export function declareRequestIdHeader(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.headers = {
    ...document.components.headers,
    RequestId: {
      description: 'The request id (a sane client-supplied `x-request-id` is kept); also `request_id` of error bodies',
      schema: { type: 'string', example: 'V1StGXR8_Z5jdHi6' },
    },
  };
  for (const path of Object.values(document.paths)) {
    for (const operation of [path.get, path.put, path.post, path.delete, path.patch]) {
      for (const response of Object.values(operation?.responses ?? {})) {
        if (response === undefined || '$ref' in response) continue;
        response.headers = { [HEADER]: { $ref: '#/components/headers/RequestId' }, ...response.headers };
      }
    }
  }
  return document;
}
