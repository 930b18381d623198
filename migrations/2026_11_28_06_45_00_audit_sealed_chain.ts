// The audit chain is sealed after commit instead of under a global lock (issue 3 benchmark; design in
// server/services/audit.service.ts). Writers insert plain rows stamped with their transaction id;
// `seq`, `prev_hash` and `hash` are filled in once, later, by the sealer. The rows chained so far
// keep their hashes and get `seq` in id order: the hash formula is unchanged.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_log add column xid xid8, add column seq bigint`.execute(db);
  await sql`alter table audit_log alter column prev_hash drop not null, alter column hash drop not null`.execute(db);
  await sql`alter table audit_log alter column id set default nextval('audit_log_id_seq')`.execute(db);
  await sql`alter table audit_log disable trigger audit_log_append_only`.execute(db);
  await sql`
    update audit_log a set seq = o.seq
    from (select id, row_number() over (order by id) as seq from audit_log) o
    where a.id = o.id`.execute(db);
  await sql`alter table audit_log enable trigger audit_log_append_only`.execute(db);
  await sql`alter table audit_log alter column xid set default pg_current_xact_id()`.execute(db);
  await sql`create unique index audit_log_seq_idx on audit_log (seq)`.execute(db);
  await sql`create index audit_log_unsealed_idx on audit_log (id) where seq is null`.execute(db);
  // Still append-only, except for the one sealing update of an unsealed row that changes nothing
  // but seq, prev_hash and hash.
  await sql`
    create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.seq is null and old.hash is null and new.seq is not null and new.hash is not null
         and (new.id, new.at, new.actor_user_id, new.actor_label, new.agency_id, new.action, new.entity_type, new.entity_id, new.before, new.after, new.xid)
             is not distinct from
             (old.id, old.at, old.actor_user_id, old.actor_label, old.agency_id, old.action, old.entity_type, old.entity_id, old.before, old.after, old.xid)
      then
        return new;
      end if;
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end $$`.execute(db);
  await sql`drop index audit_log_unsealed_idx`.execute(db);
  await sql`drop index audit_log_seq_idx`.execute(db);
  await sql`alter table audit_log alter column id drop default`.execute(db);
  await sql`alter table audit_log drop column xid, drop column seq`.execute(db);
}
