import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';

/**
 * Builds JWTs by hand for attack cases: any header, any claims, any signature — the things a
 * JWT library would refuse to produce (alg none, RS/HS confusion, tampered bodies).
 */

export function b64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

export function hs256(unsigned: string, secret: string | Buffer): string {
  return createHmac('sha256', secret).update(unsigned).digest('base64url');
}

/** header.claims signed with HMAC-SHA256 under `secret`. */
export function signHs256(header: object, claims: object, secret: string | Buffer): string {
  const unsigned = `${b64url(header)}.${b64url(claims)}`;
  return `${unsigned}.${hs256(unsigned, secret)}`;
}

/** An RSA key pair (PEM), as an attacker who publishes a JWKS would hold. */
export function rsaKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export function signRs256(header: object, claims: object, privateKey: string): string {
  const unsigned = `${b64url(header)}.${b64url(claims)}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey, 'base64url')}`;
}

export function claimsOf(token: string): Record<string, unknown> & { sub: number; sid: string; role: string; exp: number; iat: number } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as never;
}

/**
 * Tokens that must all be refused (401), derived from a real token of a real session: alg none
 * in several spellings, RS256/ES256 headers, HS256 signed with a public key as the secret, other
 * HMAC sizes, embedded jwk/jku/kid headers, tampered claims and signatures, and plain garbage.
 * The server's secret is deliberately unknown to this function.
 */
export function forgedTokens(validToken: string, publicKeyPem: string, privateKeyPem: string): Array<[string, string]> {
  const [header, body, signature] = validToken.split('.') as [string, string, string];
  const claims = claimsOf(validToken);
  const admin = { ...claims, role: 'admin' };
  const now = Math.floor(Date.now() / 1000);
  const flip = (text: string) => (text.endsWith('A') ? `${text.slice(0, -1)}B` : `${text.slice(0, -1)}A`);
  const jwk = { kty: 'oct', k: b64url('attacker-secret-attacker-secret-0123456789') };
  return [
    ['alg none, empty signature', `${b64url({ alg: 'none', typ: 'JWT' })}.${body}.`],
    ['alg None', `${b64url({ alg: 'None', typ: 'JWT' })}.${b64url(admin)}.`],
    ['alg NONE with the old signature', `${b64url({ alg: 'NONE', typ: 'JWT' })}.${body}.${signature}`],
    ['alg nOnE, no signature part', `${b64url({ alg: 'nOnE' })}.${body}`],
    ['RS256 header, HMAC signature (HS with the public key)', signHs256({ alg: 'RS256', typ: 'JWT' }, admin, publicKeyPem)],
    ['HS256 signed with the public key PEM', signHs256({ alg: 'HS256', typ: 'JWT' }, admin, publicKeyPem)],
    ['HS256 signed with the public key, trimmed', signHs256({ alg: 'HS256', typ: 'JWT' }, admin, publicKeyPem.trim())],
    ['RS256 signed with an attacker key', signRs256({ alg: 'RS256', typ: 'JWT' }, admin, privateKeyPem)],
    ['RS256 with the attacker key embedded as jwk', signRs256({ alg: 'RS256', jwk: { kty: 'RSA' } }, admin, privateKeyPem)],
    ['ES256 header over the HS256 body', `${b64url({ alg: 'ES256', typ: 'JWT' })}.${body}.${signature}`],
    ['HS512 header over the HS256 signature', `${b64url({ alg: 'HS512', typ: 'JWT' })}.${body}.${signature}`],
    ['HS256 with an embedded jwk of the attacker', signHs256({ alg: 'HS256', jwk }, admin, 'attacker-secret-attacker-secret-0123456789')],
    ['HS256 with jku pointing elsewhere', signHs256({ alg: 'HS256', jku: 'https://evil.example/jwks.json' }, admin, 'attacker-secret-attacker-secret-0123456789')],
    ['HS256 with a kid path traversal', signHs256({ alg: 'HS256', kid: '../../../../dev/null' }, admin, '')],
    ['HS256 with an empty secret', signHs256({ alg: 'HS256', typ: 'JWT' }, admin, '')],
    ['claims changed, signature kept (role admin)', `${header}.${b64url(admin)}.${signature}`],
    ['claims changed, signature kept (other sub)', `${header}.${b64url({ ...claims, sub: claims.sub + 1 })}.${signature}`],
    ['claims changed, signature kept (exp extended)', `${header}.${b64url({ ...claims, exp: now + 10 * 365 * 86400 })}.${signature}`],
    ['signature flipped', `${header}.${body}.${flip(signature)}`],
    ['signature dropped', `${header}.${body}.`],
    ['signature truncated', `${header}.${body}.${signature.slice(0, 20)}`],
    ['extra segment', `${validToken}.extra`],
    ['header and body swapped', `${body}.${header}.${signature}`],
    ['whitespace inside', `${header}. ${body}.${signature}`],
    ['base64 (not url) padding', `${header}.${body}==.${signature}`],
    ['garbage', 'garbage'],
    ['three dots', '...'],
    ['empty parts', '..'],
    ['JSON instead of a JWT', JSON.stringify(claims)],
    ['very long', 'a'.repeat(8000)],
  ];
}
