import { request } from 'node:http';

/**
 * A JSON HTTP request from a chosen source address (fetch cannot bind one), for tests where the
 * client's address matters: nginx's `hash $remote_addr` picks the instance by it.
 */
export function httpFrom<T = any>(
  localAddress: string,
  url: string,
  options: { method?: string; body?: unknown; token?: string } = {},
): Promise<{ status: number; body: T; headers: Record<string, string | string[] | undefined> }> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        localAddress,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
