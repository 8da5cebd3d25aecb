import type { FastifyInstance } from 'fastify';
import { ASYNCAPI_JSON_PATH, ASYNCAPI_PAGE_PATH } from './api-documents';
import { AsyncApiDocument } from './asyncapi-document';
import { renderAsyncApiPage } from './asyncapi-page';

/**
 * Serves the AsyncAPI document next to the OpenAPI UI: the JSON at /docs/asyncapi.json and the
 * rendered page at /docs/asyncapi. Both are built once, at start.
 */
export function serveAsyncApi(fastify: FastifyInstance, document: AsyncApiDocument): void {
  const json = JSON.stringify(document);
  const page = renderAsyncApiPage(document, ASYNCAPI_JSON_PATH);
  fastify.get(ASYNCAPI_JSON_PATH, (_request, reply) => reply.type('application/json; charset=utf-8').send(json));
  fastify.get(ASYNCAPI_PAGE_PATH, (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
