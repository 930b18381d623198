// Administrator pages: agencies and units, users and roles, the audit log.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { AppError, isAppError } from '../errors.ts';
import { agencyRepository, unitRepository } from '../repositories/agency.repository.ts';
import { auditRepository } from '../repositories/audit.repository.ts';
import {
  assertCanManage,
  createAgency,
  createUnit,
  dissolveAgency,
  manageableAgencyIds,
  mergeAgency,
  moveAgency,
  renameAgency,
  setUnitActive,
} from '../services/agency.service.ts';
import { createUser, grantRole, listManagedUsers, revokeRole, setUserActive } from '../services/user.service.ts';
import { verifyAuditChain } from '../services/audit.service.ts';
import { ROLE_LABELS, type Actor } from '../domain/actor.ts';
import { ROLES } from '../db/types.ts';

const body = (req: Request) => req.body as Record<string, string>;
const actorOf = (req: Request) => req.actor as Actor;
const idParam = (req: Request, name = 'id'): string => {
  const v = String(req.params[name] ?? '');
  if (!/^\d{1,18}$/.test(v)) throw new AppError('not_found', 'Không tìm thấy.');
  return v;
};

export function adminController(ctx: AppContext) {
  const { db } = ctx;

  async function agencyListModel(actor: Actor) {
    const ids = new Set(await manageableAgencyIds(db, actor));
    const all = (await agencyRepository.list(db)).filter((a) => ids.has(String(a.id)));
    const byParent = new Map<string | null, typeof all>();
    for (const a of all) {
      const p = a.parentId && ids.has(String(a.parentId)) ? String(a.parentId) : null;
      byParent.set(p, [...(byParent.get(p) ?? []), a]);
    }
    type Node = (typeof all)[number] & { children: Node[] };
    const build = (p: string | null): Node[] => (byParent.get(p) ?? []).map((a) => ({ ...a, children: build(String(a.id)) }));
    return { tree: build(null), all, levels: await agencyRepository.levels(db) };
  }

  /** Re-renders a form page with the error message and the status of the error. */
  async function withFormError(res: Response, e: unknown, view: string, model: () => Promise<object>): Promise<void> {
    if (!isAppError(e)) throw e;
    res.status(e.status).render(view, { ...(await model()), error: e.message });
  }

  return {
    async agencies(req: Request, res: Response): Promise<void> {
      res.render('admin/agencies', { title: 'Cơ quan, đơn vị', ...(await agencyListModel(actorOf(req))), flash: flashOf(req) });
    },

    async createAgency(req: Request, res: Response): Promise<void> {
      try {
        const a = await createAgency(db, actorOf(req), body(req));
        res.redirect(303, `/admin/agencies/${a.id}?ok=created`);
      } catch (e) {
        await withFormError(res, e, 'admin/agencies', async () => ({ title: 'Cơ quan, đơn vị', ...(await agencyListModel(actorOf(req))), form: body(req) }));
      }
    },

    async agency(req: Request, res: Response): Promise<void> {
      res.render('admin/agency', { ...(await agencyModel(req)), flash: flashOf(req) });
    },

    async agencyAction(req: Request, res: Response): Promise<void> {
      const id = idParam(req);
      const b = body(req);
      const actor = actorOf(req);
      try {
        switch (req.params.action) {
          case 'rename':
            await renameAgency(db, actor, id, { name: b.name, abbreviation: b.abbreviation, effectiveFrom: b.effectiveFrom || undefined });
            break;
          case 'move':
            await moveAgency(db, actor, id, b.parentId ? b.parentId : null);
            break;
          case 'merge':
            await mergeAgency(db, actor, id, b.successorId ?? '');
            break;
          case 'dissolve':
            await dissolveAgency(db, actor, id, b.successorId ? b.successorId : null);
            break;
          case 'units':
            await createUnit(db, actor, id, { name: b.name, abbreviation: b.abbreviation });
            break;
          default:
            throw new AppError('not_found', 'Thao tác không tồn tại.');
        }
        res.redirect(303, `/admin/agencies/${id}?ok=${req.params.action}`);
      } catch (e) {
        await withFormError(res, e, 'admin/agency', () => agencyModel(req));
      }
    },

    async unitActive(req: Request, res: Response): Promise<void> {
      const unitId = idParam(req, 'unitId');
      const unit = await unitRepository.findById(db, unitId);
      await setUnitActive(db, actorOf(req), unitId, body(req).active === 'true');
      res.redirect(303, `/admin/agencies/${unit!.agencyId}?ok=unit`);
    },

    async users(req: Request, res: Response): Promise<void> {
      res.render('admin/users', { ...(await usersModel(actorOf(req))), flash: flashOf(req) });
    },

    async createUser(req: Request, res: Response): Promise<void> {
      try {
        const u = await createUser(db, actorOf(req), body(req));
        res.redirect(303, `/admin/users/${u.id}?ok=created`);
      } catch (e) {
        const { password: _pw, ...form } = body(req);
        await withFormError(res, e, 'admin/users', async () => ({ ...(await usersModel(actorOf(req))), form }));
      }
    },

    async user(req: Request, res: Response): Promise<void> {
      res.render('admin/user', { ...(await userModel(req)), flash: flashOf(req) });
    },

    async userAction(req: Request, res: Response): Promise<void> {
      const id = idParam(req);
      const actor = actorOf(req);
      const b = body(req);
      try {
        switch (req.params.action) {
          case 'grant':
            await grantRole(db, actor, id, b);
            break;
          case 'revoke':
            await revokeRole(db, actor, id, b);
            break;
          case 'activate':
            await setUserActive(db, actor, id, true);
            break;
          case 'deactivate':
            await setUserActive(db, actor, id, false);
            break;
          default:
            throw new AppError('not_found', 'Thao tác không tồn tại.');
        }
        res.redirect(303, `/admin/users/${id}?ok=${req.params.action}`);
      } catch (e) {
        await withFormError(res, e, 'admin/user', () => userModel(req));
      }
    },

    async audit(req: Request, res: Response): Promise<void> {
      const ids = await manageableAgencyIds(db, actorOf(req));
      const entries = await auditRepository.recent(db, 200, ids);
      const verdict = req.query.verify === '1' ? await verifyAuditChain(db) : null;
      res.render('admin/audit', { title: 'Nhật ký hệ thống', entries, verdict });
    },
  };

  async function agencyModel(req: Request) {
    const id = idParam(req);
    const actor = actorOf(req);
    await assertCanManage(db, actor, id).catch(() => {
      throw new AppError('not_found', 'Không tìm thấy cơ quan.');
    });
    const agency = await agencyRepository.findById(db, id);
    if (!agency) throw new AppError('not_found', 'Không tìm thấy cơ quan.');
    const { all } = await agencyListModel(actor);
    return {
      title: agency.name,
      agency,
      parent: all.find((a) => String(a.id) === String(agency.parentId)),
      successor: all.find((a) => String(a.id) === String(agency.successorId)),
      names: await agencyRepository.nameHistory(db, id),
      units: await unitRepository.listForAgency(db, id),
      others: all.filter((a) => String(a.id) !== id && a.status === 'active'),
      active: agency.status === 'active',
    };
  }

  async function usersModel(actor: Actor) {
    const ids = new Set(await manageableAgencyIds(db, actor));
    const agencies = (await agencyRepository.list(db)).filter((a) => ids.has(String(a.id)) && a.status === 'active');
    const names = new Map(agencies.map((a) => [String(a.id), a.name]));
    const users = (await listManagedUsers(db, actor)).map((u) => ({
      ...u,
      locked: u.lockedUntil !== null && new Date(u.lockedUntil) > new Date(),
      roleText: u.roles.map((r) => `${ROLE_LABELS[r.role]} — ${names.get(String(r.agencyId)) ?? 'cơ quan khác'}`).join('; '),
    }));
    return { title: 'Người dùng', users, agencies, roles: ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })) };
  }

  async function userModel(req: Request) {
    const id = idParam(req);
    const base = await usersModel(actorOf(req));
    const user = base.users.find((u) => String(u.id) === id);
    if (!user) throw new AppError('not_found', 'Không tìm thấy người dùng.');
    const units = await Promise.all(base.agencies.map(async (a) => ({ agency: a, units: await unitRepository.listForAgency(db, a.id) })));
    const unitNames = new Map(units.flatMap((x) => x.units.map((u) => [String(u.id), u.name] as const)));
    const agencyNames = new Map(base.agencies.map((a) => [String(a.id), a.name]));
    return {
      ...base,
      title: user.fullName,
      user,
      grants: user.roles.map((r) => ({ ...r, unitId: r.unitId ?? '', roleLabel: ROLE_LABELS[r.role], agencyName: agencyNames.get(String(r.agencyId)) ?? 'cơ quan khác', unitName: r.unitId ? unitNames.get(String(r.unitId)) : '' })),
      unitOptions: units.flatMap((x) => x.units.map((u) => ({ id: u.id, label: `${x.agency.name} — ${u.name}` }))),
    };
  }
}

const FLASH: Record<string, string> = {
  created: 'Đã tạo thành công.',
  rename: 'Đã đổi tên; văn bản cũ vẫn giữ tên tại thời điểm ban hành.',
  move: 'Đã chuyển cơ quan.',
  merge: 'Đã sáp nhập; các đơn vị cấp dưới chuyển sang cơ quan kế thừa.',
  dissolve: 'Đã giải thể.',
  units: 'Đã thêm đơn vị.',
  unit: 'Đã cập nhật đơn vị.',
  grant: 'Đã gán vai trò.',
  revoke: 'Đã thu hồi vai trò.',
  activate: 'Đã mở khóa tài khoản.',
  deactivate: 'Đã khóa tài khoản; các phiên đăng nhập đã bị kết thúc.',
  password: 'Đã đổi mật khẩu.',
};

export function flashOf(req: Request): string | undefined {
  return FLASH[String(req.query.ok ?? '')];
}
