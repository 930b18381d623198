// Login, sessions, logout and password change. Passwords are argon2id; sessions are random tokens
// of which only the SHA-256 is stored; a new session is created at every login (no fixation).
import { createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { userRepository } from '../repositories/user.repository.ts';
import { findSessionActor, sessionRepository, type PageChrome } from '../repositories/session.repository.ts';
import { appendAudit, SYSTEM_ACTOR } from './audit.service.ts';
import type { Actor } from '../domain/actor.ts';

export interface AuthSettings {
  maxFailures: number;
  lockMinutes: number;
  sessionTtlHours: number;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export const MIN_PASSWORD_LENGTH = 10;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export function checkPasswordStrength(password: string, username?: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new AppError('validation', `Mật khẩu phải có ít nhất ${MIN_PASSWORD_LENGTH} ký tự.`);
  if (username && password.toLowerCase().includes(username.toLowerCase())) throw new AppError('validation', 'Mật khẩu không được chứa tên đăng nhập.');
}

// Verifying against a fixed hash when the user does not exist keeps the timing the same, so the
// response does not tell whether a username exists.
let dummyHash: Promise<string> | null = null;
const getDummyHash = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));

const BAD_CREDENTIALS = 'Tên đăng nhập hoặc mật khẩu không đúng.';

export interface LoginResult {
  token: string;
  userId: string;
  expiresAt: Date;
}

export async function login(
  db: Database,
  settings: AuthSettings,
  input: { username: string; password: string; userAgent?: string | null; ip?: string | null },
): Promise<LoginResult> {
  const username = input.username.trim();
  const user = username ? await userRepository.findByUsername(db, username) : undefined;
  if (!user) {
    await argon2.verify(await getDummyHash(), input.password || 'x');
    throw new AppError('unauthenticated', BAD_CREDENTIALS);
  }
  const ok = await argon2.verify(user.passwordHash, input.password || '').catch(() => false);
  // Counting and locking happen under a row lock so that parallel guesses all count.
  // Counting happens in its own committed transaction: a failed attempt must be recorded even
  // though the request then fails.
  type Outcome = { kind: 'ok'; result: LoginResult } | { kind: 'bad' } | { kind: 'locked' };
  const outcome = await db.transaction().execute(async (trx): Promise<Outcome> => {
    const locked = await userRepository.lockById(trx, user.id);
    if (!locked || !locked.active) throw new AppError('unauthenticated', BAD_CREDENTIALS);
    const now = new Date();
    if (locked.lockedUntil && new Date(locked.lockedUntil) > now) {
      const minutes = Math.ceil((new Date(locked.lockedUntil).getTime() - now.getTime()) / 60000);
      throw new AppError('locked', `Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau ${minutes} phút.`);
    }
    if (!ok) {
      const failures = locked.failedLogins + 1;
      const lock = failures >= settings.maxFailures;
      await userRepository.update(trx, user.id, {
        failedLogins: lock ? 0 : failures,
        lockedUntil: lock ? new Date(now.getTime() + settings.lockMinutes * 60000) : null,
      });
      if (lock) {
        await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'user.locked', entityType: 'user', entityId: user.id, after: { failures } });
      }
      return { kind: lock ? 'locked' : 'bad' };
    }
    await userRepository.update(trx, user.id, { failedLogins: 0, lockedUntil: null });
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + settings.sessionTtlHours * 3600_000);
    const roles = await userRepository.rolesOf(trx, user.id);
    await sessionRepository.insert(trx, {
      idHash: hashToken(token),
      userId: user.id,
      activeAgencyId: roles[0]?.agencyId ?? null,
      expiresAt,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
      ip: input.ip ?? null,
    });
    return { kind: 'ok', result: { token, userId: user.id, expiresAt } };
  });
  if (outcome.kind === 'locked') {
    throw new AppError('locked', `Đăng nhập sai ${settings.maxFailures} lần: tài khoản bị khóa ${settings.lockMinutes} phút.`);
  }
  if (outcome.kind === 'bad') throw new AppError('unauthenticated', BAD_CREDENTIALS);
  return outcome.result;
}

/** With `chrome`, also what the page layout shows (agency names, unread count), in the same query. */
export async function actorForSession(db: Database, token: string, opts: { chrome?: boolean } = {}): Promise<(Actor & { sessionIdHash: string; chrome: PageChrome | null }) | null> {
  if (!token || token.length > 100) return null;
  const idHash = hashToken(token);
  const s = await findSessionActor(db, idHash, opts.chrome ?? false);
  if (!s || !s.active) return null;
  const roles = s.roles;
  const agencies = new Set(roles.map((r) => r.agencyId));
  return {
    chrome: s.chrome,
    sessionIdHash: idHash,
    userId: s.userId,
    username: s.username,
    fullName: s.fullName,
    position: s.position,
    roles,
    activeAgencyId: s.activeAgencyId && agencies.has(s.activeAgencyId) ? s.activeAgencyId : (roles[0]?.agencyId ?? null),
  };
}

export async function logout(db: Database, token: string): Promise<void> {
  await sessionRepository.delete(db, hashToken(token));
}

export async function switchAgency(db: Database, actor: Actor & { sessionIdHash: string }, agencyId: string): Promise<void> {
  if (!actor.roles.some((r) => r.agencyId === agencyId)) throw new AppError('forbidden', 'Bạn không thuộc cơ quan này.');
  await sessionRepository.setActiveAgency(db, actor.sessionIdHash, agencyId);
}

export async function changePassword(
  db: Database,
  actor: Actor & { sessionIdHash: string },
  input: { current: string; next: string; confirm: string },
): Promise<void> {
  if (input.next !== input.confirm) throw new AppError('validation', 'Mật khẩu mới và xác nhận không khớp.');
  checkPasswordStrength(input.next, actor.username);
  const user = await userRepository.findById(db, actor.userId);
  if (!user || !(await argon2.verify(user.passwordHash, input.current || '').catch(() => false))) {
    throw new AppError('validation', 'Mật khẩu hiện tại không đúng.');
  }
  const passwordHash = await hashPassword(input.next);
  await db.transaction().execute(async (trx) => {
    await userRepository.update(trx, actor.userId, { passwordHash, passwordChangedAt: new Date() });
    // Other sessions of this person end: a changed password must lock out whoever knew the old one.
    await sessionRepository.deleteForUser(trx, actor.userId, actor.sessionIdHash);
    await appendAudit(trx, { actor: { userId: actor.userId, label: actor.username }, action: 'user.password_changed', entityType: 'user', entityId: actor.userId });
  });
}
