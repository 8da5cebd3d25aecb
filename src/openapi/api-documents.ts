import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_DESCRIPTION } from './api-description';
import { AsyncApiDocument, buildAsyncApiDocument } from './asyncapi-document';
import { declareRequestIdHeader } from './request-id-header';

/** Where the documents are served. */
export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs-json';
export const ASYNCAPI_JSON_PATH = '/docs/asyncapi.json';
export const ASYNCAPI_PAGE_PATH = '/docs/asyncapi';

export interface ApiDocuments {
  readonly openapi: OpenAPIObject;
  readonly asyncapi: AsyncApiDocument;
}

/**
 * Both machine-readable API descriptions: OpenAPI (REST) from the controllers' decorators, and
 * AsyncAPI (WebSocket) from the protocol's declarations. They depend only on code, never on
 * configuration, so the service serves what `npm run build` writes to docs/ (scripts/api-docs.mjs).
 */
export function buildApiDocuments(app: INestApplication): ApiDocuments {
  const openapi = declareRequestIdHeader(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('DePIN dashboard API')
        .setDescription(API_DESCRIPTION)
        .setVersion('1')
        .addServer('/', 'This instance (the API is served at the root of its host)')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token of register, login or refresh' })
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, required only when it is set' }, 'metrics')
        .build(),
    ),
  );
  openapi.info.license = { name: 'UNLICENSED' }; // as package.json: not licensed for use by others
  return { openapi, asyncapi: buildAsyncApiDocument(openapi) };
}
