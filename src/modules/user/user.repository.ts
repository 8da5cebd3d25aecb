import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { UserEntity } from './entities/user.entity';

export interface NewUser {
  email: string;
  username: string;
  passwordHash: string;
  referralCode: string;
}

/** Named queries on `users`; SQL about users lives here and nowhere else. */
@Injectable()
export class UserRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ email: email.toLowerCase() });
  }

  findByReferralCode(code: string, manager?: EntityManager): Promise<UserEntity | null> {
    return (manager?.getRepository(UserEntity) ?? this.users).findOneBy({ referralCode: code });
  }

  /** Inserts a user; unique violations (email, username, referral code) surface to the caller. */
  async insert(user: NewUser, manager: EntityManager): Promise<UserEntity> {
    const repository = manager.getRepository(UserEntity);
    // Not save(): TypeORM hands back generated BIGINT ids as strings; a re-read gets a number.
    const result = await repository.insert(user);
    return repository.findOneByOrFail({ id: Number(result.identifiers[0]!.id) });
  }

  /** Applies the changes; returns the wallet address before them (null: none, or no such user). */
  async updateProfile(
    id: number,
    changes: { username?: string; walletAddress?: string | null },
    manager?: EntityManager,
  ): Promise<{ previousWallet: string | null }> {
    const repository = manager?.getRepository(UserEntity) ?? this.users;
    const before = await repository.findOne({ where: { id }, select: { id: true, walletAddress: true }, lock: manager === undefined ? undefined : { mode: 'pessimistic_write' } });
    await repository.update({ id }, changes);
    return { previousWallet: before?.walletAddress ?? null };
  }

  /** Records activity now; returns the time recorded, for responses built right after. */
  async touchLastActive(id: number, at = new Date()): Promise<Date> {
    await this.users.update({ id }, { lastActive: at });
    return at;
  }

  /** Marks the user disabled (keeping the first time it was); false when the user does not exist. */
  async disable(id: number, manager: EntityManager): Promise<boolean> {
    const rows = (await manager.query(
      `UPDATE users SET disabled_at = COALESCE(disabled_at, now()), updated_at = now() WHERE id = $1 RETURNING id`,
      [id],
    )) as [unknown[], number];
    return rows[0].length > 0;
  }

  /**
   * Admin search: newest first, keyset by id; `query` matches email or username by substring,
   * case-insensitively (LIKE wildcards in it are escaped, so they match themselves).
   */
  search(query: string | undefined, limit: number, beforeId: number | undefined): Promise<UserEntity[]> {
    const builder = this.users.createQueryBuilder('u').orderBy('u.id', 'DESC').limit(limit);
    if (query !== undefined && query !== '') {
      const pattern = `%${query.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      builder.andWhere('(u.email ILIKE :pattern OR u.username ILIKE :pattern)', { pattern });
    }
    if (beforeId !== undefined) builder.andWhere('u.id < :beforeId', { beforeId });
    return builder.getMany();
  }
}
