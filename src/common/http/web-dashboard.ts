import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The project root: the nearest folder above this file with a package.json (src/ or dist/src/). */
function projectRoot(): string {
  let directory = __dirname;
  while (!existsSync(join(directory, 'package.json')) && dirname(directory) !== directory) directory = dirname(directory);
  return directory;
}

export const WEB_DIST = join(projectRoot(), 'web', 'dist');

/**
 * Serves the reference web dashboard (web/, built by `npm run build`) at `/`. Hashed assets are
 * cached for a year; index.html is revalidated on every load so a deploy is picked up at once.
 * Paths that match neither a file nor a route fall through to the API's 404 error body.
 * Returns false when the dashboard has not been built.
 */
export async function serveWebDashboard(fastify: FastifyInstance, root = WEB_DIST): Promise<boolean> {
  if (!existsSync(join(root, 'index.html'))) return false;
  await fastify.register(fastifyStatic, {
    root,
    prefix: '/',
    // Swagger registers @fastify/static too; only one may decorate the reply.
    decorateReply: false,
    index: ['index.html'],
    wildcard: false,
    setHeaders: (response, path) => {
      void response.header(
        'cache-control',
        /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  return true;
}
