// Bearer tokens for other systems calling /api/v1. Only the SHA-256 is stored; the token is shown once.
import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { userRepository } from '../repositories/user.repository.ts';
import { appendAudit, SYSTEM_ACTOR } from './audit.service.ts';
import { hashToken } from './auth.service.ts';
import type { Actor } from '../domain/actor.ts';

const PREFIX = 'vt_';

export async function createApiToken(db: Database, username: string, label: string): Promise<string> {
  const user = await userRepository.findByUsername(db, username);
  if (!user) throw new AppError('not_found', `Không tìm thấy người dùng "${username}".`);
  const token = PREFIX + randomBytes(32).toString('base64url');
  await db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('apiToken').values({ userId: user.id, tokenHash: hashToken(token), label }).returning('id').executeTakeFirstOrThrow();
    await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'api_token.created', entityType: 'api_token', entityId: row.id, after: { userId: user.id, label } });
  });
  return token;
}

export async function actorForApiToken(db: Database, token: string): Promise<Actor | null> {
  if (!token.startsWith(PREFIX) || token.length > 100) return null;
  const row = await db
    .selectFrom('apiToken as t')
    .innerJoin('appUser as u', 'u.id', 't.userId')
    .select(['t.id', 'u.id as userId', 'u.username', 'u.fullName', 'u.position', 'u.active'])
    .where('t.tokenHash', '=', hashToken(token))
    .where('t.revokedAt', 'is', null)
    .executeTakeFirst();
  if (!row || !row.active) return null;
  await db.updateTable('apiToken').set({ lastUsedAt: new Date() }).where('id', '=', row.id).execute();
  const roles = await userRepository.rolesOf(db, row.userId);
  return { userId: row.userId, username: row.username, fullName: row.fullName, position: row.position, roles, activeAgencyId: roles[0]?.agencyId ?? null };
}
