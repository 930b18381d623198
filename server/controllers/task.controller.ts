// Directive tracking pages: the task list (by state), giving a task, its page with progress,
// extensions, completion and urging, the "nợ văn bản chỉ đạo" view and the notifications (bell).
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { AppError, isAppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import {
  canGiveTasks,
  canSetRules,
  completeTask,
  createTask,
  decideExtension,
  directiveDebts,
  listTasks,
  newTaskFormModel,
  reportProgress,
  requestExtension,
  taskDetail,
  taskSettings,
  updateTaskSettings,
  urgeTask,
} from '../services/task.service.ts';
import { markNotificationsRead, recentNotifications, unreadNotificationCount } from '../services/task-notification.service.ts';
import { TASK_STATES, TASK_STATE_BADGES, TASK_STATE_LABELS, type TaskState } from '../services/task-state.ts';

const body = (req: Request) => req.body as Record<string, unknown>;
const actorOf = (req: Request) => req.actor as Actor;

const FLASH: Record<string, string> = {
  created: 'Đã giao nhiệm vụ.',
  progress: 'Đã ghi nhận báo cáo tiến độ.',
  extension: 'Đã gửi đề nghị gia hạn tới lãnh đạo.',
  decided: 'Đã xử lý đề nghị gia hạn.',
  completed: 'Đã ghi nhận hoàn thành nhiệm vụ.',
  urged: 'Đã gửi đôn đốc.',
  settings: 'Đã lưu quy định thời hạn.',
  read: 'Đã đánh dấu đã đọc.',
};
const flashOf = (req: Request) => FLASH[String(req.query.ok ?? '')];

export function taskController(ctx: AppContext) {
  const { db } = ctx;

  /** E-mail goes out after commit; the reminder job flushes anything this misses. */
  async function sendMailSoon(): Promise<void> {
    await ctx.jobs.enqueue('tasks.send-mail', {}).catch((e: Error) => ctx.logger.warn({ err: e.message }, 'could not enqueue task mail'));
  }

  async function listModel(req: Request) {
    const actor = actorOf(req);
    const state = TASK_STATES.includes(String(req.query.state) as TaskState) ? (String(req.query.state) as TaskState) : undefined;
    const scope = req.query.scope === 'mine' ? 'mine' : 'agency';
    const page = Number.parseInt(String(req.query.page ?? '1'), 10) || 1;
    const result = await listTasks(db, actor, { state, scope, page });
    return {
      title: 'Theo dõi nhiệm vụ',
      ...result,
      items: result.items.map((i) => Object.assign(i, { badge: TASK_STATE_BADGES[i.state] })),
      states: TASK_STATES.map((s) => ({ value: s, label: TASK_STATE_LABELS[s], selected: s === state })),
      scope,
      state,
      prev: page > 1 ? page - 1 : null,
      next: page < result.pages ? page + 1 : null,
      canCreate: canGiveTasks(actor),
      canSetRules: canSetRules(actor),
      settings: await taskSettings(db, actor),
    };
  }

  async function detailModel(req: Request) {
    const d = await taskDetail(db, actorOf(req), String(req.params.id));
    return {
      title: d.task.title,
      ...d,
      badge: TASK_STATE_BADGES[d.state],
      extensions: d.extensions.map((e) => ({ ...e, pending: e.status === 'pending', statusLabel: { pending: 'Chờ duyệt', approved: 'Đồng ý', rejected: 'Không đồng ý' }[e.status] })),
    };
  }

  async function rerender(res: Response, e: unknown, view: string, model: () => Promise<object>, extra: object = {}): Promise<void> {
    if (!isAppError(e) || e.code === 'not_found') throw e;
    res.status(e.status).render(view, { ...(await model()), ...extra, error: e.message });
  }

  return {
    async list(req: Request, res: Response): Promise<void> {
      res.render('tasks/list', { ...(await listModel(req)), flash: flashOf(req) });
    },

    async settings(req: Request, res: Response): Promise<void> {
      try {
        await updateTaskSettings(db, actorOf(req), body(req));
        res.redirect(303, '/tasks?ok=settings');
      } catch (e) {
        await rerender(res, e, 'tasks/list', () => listModel(req));
      }
    },

    async newForm(req: Request, res: Response): Promise<void> {
      res.render('tasks/new', { title: 'Giao nhiệm vụ', ...(await newTaskFormModel(db, actorOf(req))), form: { documentId: req.query.documentId ?? '' } });
    },

    async create(req: Request, res: Response): Promise<void> {
      try {
        const task = await createTask(db, actorOf(req), body(req));
        await sendMailSoon();
        res.redirect(303, `/tasks/${task.id}?ok=created`);
      } catch (e) {
        await rerender(res, e, 'tasks/new', async () => ({ title: 'Giao nhiệm vụ', ...(await newTaskFormModel(db, actorOf(req))), form: body(req) }));
      }
    },

    async show(req: Request, res: Response): Promise<void> {
      res.render('tasks/show', { ...(await detailModel(req)), flash: flashOf(req) });
    },

    async action(req: Request, res: Response): Promise<void> {
      const actor = actorOf(req);
      const id = String(req.params.id);
      try {
        switch (req.params.action) {
          case 'progress':
            await reportProgress(db, actor, id, body(req));
            break;
          case 'extension':
            await requestExtension(db, actor, id, body(req));
            break;
          case 'complete':
            await completeTask(db, actor, id, body(req));
            break;
          case 'urge':
            await urgeTask(db, actor, id, body(req));
            break;
          default:
            throw new AppError('not_found', 'Thao tác không tồn tại.');
        }
        await sendMailSoon();
        const ok = { progress: 'progress', extension: 'extension', complete: 'completed', urge: 'urged' }[String(req.params.action)];
        res.redirect(303, `/tasks/${id}?ok=${ok}`);
      } catch (e) {
        await rerender(res, e, 'tasks/show', () => detailModel(req), { form: body(req) });
      }
    },

    async decide(req: Request, res: Response): Promise<void> {
      const id = String(req.params.id);
      try {
        await decideExtension(db, actorOf(req), id, String(req.params.extensionId), body(req));
        await sendMailSoon();
        res.redirect(303, `/tasks/${id}?ok=decided`);
      } catch (e) {
        await rerender(res, e, 'tasks/show', () => detailModel(req));
      }
    },

    async debts(req: Request, res: Response): Promise<void> {
      const directives = await directiveDebts(db, actorOf(req));
      res.render('tasks/debts', { title: 'Nợ văn bản chỉ đạo', directives, owingUnits: directives.reduce((n, d) => n + d.owing.length, 0) });
    },

    async notifications(req: Request, res: Response): Promise<void> {
      const items = await recentNotifications(db, actorOf(req).userId);
      res.render('tasks/notifications', { title: 'Thông báo', items: items.map((n) => Object.assign(n, { unread: n.readAt === null })), flash: flashOf(req) });
    },

    async markRead(req: Request, res: Response): Promise<void> {
      const raw = body(req).ids;
      const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String).filter((x) => /^\d{1,18}$/.test(x));
      await markNotificationsRead(db, actorOf(req).userId, body(req).all === '1' ? 'all' : ids);
      res.redirect(303, '/notifications?ok=read');
    },
  };
}

/**
 * Fills res.locals.taskBell ({ count }) for views/partials/task-bell.hbs. Mount after pageModel for
 * every page; the tasks router mounts it for its own pages.
 */
export function taskBellLocals(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      // pageModel already provides it for pages (loaded with the session): no second query.
      if (req.actor && !req.viaBearer && res.locals.taskBell === undefined) res.locals.taskBell = { count: await unreadNotificationCount(ctx.db, req.actor.userId) };
      next();
    } catch (e) {
      next(e);
    }
  };
}
