// (Named *.test.ts to stay inside the tasks area's paths; it declares no tests itself.)
// Shared fixtures of the directive-tracking tests: actors from the demo users, documents inserted
// directly (the document workflow is another area), row counts to prove "nothing changed".
import type { Database } from '../../server/db/database.ts';
import type { Actor } from '../../server/domain/actor.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';

export async function actorOf(db: Database, username: string, agencyD20?: string): Promise<Actor> {
  const u = await userRepository.findByUsername(db, username);
  if (!u) throw new Error(`no user ${username}`);
  const roles = (await userRepository.rolesOf(db, u.id)).map((r) => ({ agencyId: String(r.agencyId), unitId: r.unitId === null ? null : String(r.unitId), role: r.role }));
  const active = agencyD20 ? String((await db.selectFrom('agency').select('id').where('d20Code', '=', agencyD20).executeTakeFirstOrThrow()).id) : roles[0]!.agencyId;
  return { userId: String(u.id), username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: active };
}

export async function agencyIdOf(db: Database, d20: string): Promise<string> {
  return String((await db.selectFrom('agency').select('id').where('d20Code', '=', d20).executeTakeFirstOrThrow()).id);
}

export async function unitIdOf(db: Database, d20: string, abbreviation: string): Promise<string> {
  const agencyId = await agencyIdOf(db, d20);
  return String((await db.selectFrom('unit').select('id').where('agencyId', '=', agencyId).where('abbreviation', '=', abbreviation).executeTakeFirstOrThrow()).id);
}

export async function userIdOf(db: Database, username: string): Promise<string> {
  return String((await db.selectFrom('appUser').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id);
}

export async function insertDocument(db: Database, agencyId: string, opts: { subject?: string; direction?: 'incoming' | 'outgoing'; source?: string; createdAt?: Date } = {}): Promise<string> {
  const r = await db
    .insertInto('document')
    .values({
      agencyId,
      direction: opts.direction ?? 'outgoing',
      state: 'released',
      typeCode: 'CT',
      typeName: 'Chỉ thị',
      subject: opts.subject ?? 'Chỉ thị về tăng cường công tác phòng, chống thiên tai',
      codeNumber: '05',
      codeNotation: 'CT-UBND',
      ...(opts.source ? { source: opts.source } : {}),
      ...(opts.createdAt ? { createdAt: opts.createdAt } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return String(r.id);
}

export type Counted = 'task' | 'taskExtension' | 'taskReport' | 'taskUrge' | 'auditLog' | 'calendarOverride' | 'notification' | 'sentNotification' | 'taskCoHandler';

export async function counts(db: Database, tables: Counted[] = ['task', 'taskExtension', 'taskReport', 'taskUrge', 'auditLog', 'calendarOverride', 'notification', 'taskCoHandler']): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  return out;
}
