// In-app notifications with their e-mail copy. Every notification claims a unique key in
// sent_notification inside the caller's transaction; e-mail is sent after commit (mail.service.ts).
import type { Executor } from '../db/database.ts';
import { notificationRepository } from '../repositories/task-notification.repository.ts';
import { taskPeopleRepository } from '../repositories/task.repository.ts';

export interface NotificationInput {
  taskId: string | null;
  kind: string;
  title: string;
  body: string;
  /** Key per recipient; a key already used means "already sent" and nothing is written. */
  dedupeKey?: (userId: string) => string;
}

/** Returns how many notifications were created (0 for keys already claimed). */
export async function notifyUsers(trx: Executor, userIds: string[], n: NotificationInput): Promise<number> {
  const users = await taskPeopleRepository.usersByIds(trx, [...new Set(userIds)]);
  let created = 0;
  for (const u of users) {
    const key = n.dedupeKey ? n.dedupeKey(u.id) : null;
    const mail = { emailTo: u.email, emailSubject: `[VănThư] ${n.title}`.slice(0, 300), emailText: `Kính gửi ${u.fullName},\n\n${n.title}\n${n.body}\n\n— VănThư` };
    if (key) {
      const sentId = await notificationRepository.claim(trx, { dedupeKey: key, userId: u.id, taskId: n.taskId, ...mail });
      if (!sentId) continue;
      const id = await notificationRepository.insert(trx, { userId: u.id, taskId: n.taskId, kind: n.kind, title: n.title, body: n.body });
      await notificationRepository.link(trx, sentId, id);
    } else {
      const id = await notificationRepository.insert(trx, { userId: u.id, taskId: n.taskId, kind: n.kind, title: n.title, body: n.body });
      const sentId = await notificationRepository.claim(trx, { dedupeKey: `notification:${id}`, userId: u.id, taskId: n.taskId, ...mail });
      if (sentId) await notificationRepository.link(trx, sentId, id);
    }
    created++;
  }
  return created;
}

export const unreadNotificationCount = (db: Executor, userId: string) => notificationRepository.unreadCount(db, userId);
export const recentNotifications = (db: Executor, userId: string) => notificationRepository.recent(db, userId);
export const markNotificationsRead = (db: Executor, userId: string, ids: string[] | 'all') => notificationRepository.markRead(db, userId, ids);
