import type { FastifyRequest } from 'fastify';

/**
 * The client's address as Fastify resolved it: X-Forwarded-For is honoured only when the
 * connection comes from one of TRUSTED_PROXIES (Fastify's `trustProxy`).
 */
export function clientIpOf(request: FastifyRequest): string {
  return normalizeIp(request.ip);
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes plain IPv4, so one client has one key. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
