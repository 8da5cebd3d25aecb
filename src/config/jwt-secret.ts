import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from './app-config';

const SECRET_FILE = 'jwt-secret';

/**
 * Gives the configuration a JWT secret. JWT_SECRET wins; outside production a random secret is
 * generated once into DATA_DIR (so tokens survive restarts) and the caller is told to warn,
 * because every instance sharing a database must share the secret too.
 */
export async function resolveJwtSecret(
  config: AppConfig,
): Promise<{ config: AppConfig; generatedAt: string | null }> {
  if (config.jwt.secret !== null) return { config, generatedAt: null };
  const path = join(config.dataDir, SECRET_FILE);
  let secret: string;
  try {
    secret = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    secret = '';
  }
  if (secret.length < 32) {
    secret = randomBytes(48).toString('base64url');
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(path, `${secret}\n`, { mode: 0o600 });
  }
  return { config: config.with({ jwt: { ...config.jwt, secret } }), generatedAt: path };
}
