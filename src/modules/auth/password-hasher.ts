import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

/**
 * Argon2id password hashing (@node-rs/argon2 defaults: argon2id, 19 MiB, t=2, p=1, the OWASP
 * baseline). Runs on libuv's thread pool, off the event loop.
 */
@Injectable()
export class PasswordHasher {
  /** A hash of a random password, verified against when the email is unknown, so that unknown
   * emails cost the same time as wrong passwords and timing does not reveal which emails exist. */
  private readonly decoy: Promise<string> = hash(`decoy-${Math.random()}-${Date.now()}`);

  hash(password: string): Promise<string> {
    return hash(password);
  }

  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    const target = passwordHash ?? (await this.decoy);
    try {
      const matches = await verify(target, password);
      return matches && passwordHash !== null;
    } catch {
      return false;
    }
  }
}
