import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module';
import { loadConfig } from '../config';
import { ApiDocuments, buildApiDocuments } from './api-documents';

/**
 * The API documents without running the service: the application module in Nest's preview mode
 * (modules and controllers scanned, no provider instantiated, so no database, Redis or port), which
 * is all the OpenAPI scanner reads. `node dist/src/openapi/api-documents.cli.js` prints
 * `{openapi, asyncapi}` as JSON; scripts/api-docs.mjs writes them to docs/ and generates the web
 * client's types from them.
 */
export async function buildApiDocumentsOffline(): Promise<ApiDocuments> {
  const config = loadConfig({});
  const app = await NestFactory.create(
    AppModule.forRoot({
      config,
      // Never connected to in preview mode.
      database: { url: 'postgres://preview.invalid/none', replicaUrls: [], poolSize: 1, embedded: false },
      instanceId: 'api-documents',
    }),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    return buildApiDocuments(app);
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  buildApiDocumentsOffline().then(
    (documents) => process.stdout.write(`${JSON.stringify(documents)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exit(1);
    },
  );
}
