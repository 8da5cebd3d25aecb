import type { FastifyInstance } from 'fastify';
import helmet, { HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Content-Security-Policy of every response (the API's JSON, the web dashboard at /): same-origin
 * scripts, styles, fetches and WebSockets only. Written out rather than helmet's defaults, which
 * add `upgrade-insecure-requests` — that makes browsers fetch the dashboard's assets over https,
 * breaking any deployment served over plain HTTP beyond localhost (TLS is the proxy's job here).
 */
const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
};

/**
 * The OpenAPI UI (/docs) ships inline <style> blocks and a style attribute in its HTML, so its
 * pages allow inline styles; scripts stay same-origin only.
 */
const DOCS_CSP_DIRECTIVES = { ...CSP_DIRECTIVES, styleSrc: ["'self'", "'unsafe-inline'"] };

/** Routes of the OpenAPI UI, which get DOCS_CSP_DIRECTIVES. */
export function isDocsRoute(url: string | undefined): boolean {
  return url !== undefined && (url === '/docs' || url.startsWith('/docs/'));
}

/**
 * The headers helmet sets for a policy (CSP, HSTS, nosniff, frame and referrer policies,
 * cross-origin isolation), taken once from helmet itself: none of them depends on the request,
 * and building helmet's middleware per request cost ~8 % of a REST request's CPU.
 */
export function helmetHeaders(directives: Readonly<Record<string, readonly string[]>>): Readonly<Record<string, string>> {
  const options: HelmetOptions = {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(Object.entries(directives).map(([name, values]) => [name, [...values]])),
    },
  };
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined && error !== null) throw error;
  });
  return Object.freeze(headers);
}

/**
 * Security headers on every response: registered on the root instance before any route, so that
 * every route, static file, 404 and error answer gets them; /docs gets its own CSP. Returns the
 * headers of every route but /docs (the pre-router sends them too).
 */
export function registerSecurityHeaders(fastify: FastifyInstance): Readonly<Record<string, string>> {
  const strict = helmetHeaders(CSP_DIRECTIVES);
  const docs = helmetHeaders(DOCS_CSP_DIRECTIVES);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(isDocsRoute(request.routeOptions.url) ? docs : strict);
    done();
  });
  return strict;
}
