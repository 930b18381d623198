// E-mail through SMTP (nodemailer, SMTP_URL). Sending happens after commit, from the pending rows
// of sent_notification: a row is marked sent once the server accepted it, so a crash between the
// two can repeat one message (at least once), never lose it.
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { Executor } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { notificationRepository } from '../repositories/task-notification.repository.ts';

export interface Mailer {
  send(msg: { to: string; subject: string; text: string }): Promise<void>;
  close(): void;
}

export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom'>): Mailer | null {
  if (!config.smtpUrl) return null;
  const transport = nodemailer.createTransport(config.smtpUrl);
  return {
    async send(msg) {
      await transport.sendMail({ from: config.mailFrom, to: msg.to, subject: msg.subject, text: msg.text });
    },
    close: () => transport.close(),
  };
}

const MAX_ATTEMPTS = 5;

/** Sends every pending e-mail; returns counts. Without SMTP configured nothing is attempted. */
export async function flushMail(db: Executor, mailer: Mailer | null, logger?: Logger): Promise<{ sent: number; failed: number }> {
  if (!mailer) return { sent: 0, failed: 0 };
  let sent = 0;
  let failed = 0;
  for (;;) {
    const batch = await notificationRepository.claimPendingMail(db, 50, MAX_ATTEMPTS);
    if (batch.length === 0) break;
    for (const m of batch) {
      try {
        await mailer.send({ to: m.emailTo, subject: m.emailSubject, text: m.emailText });
        await notificationRepository.markMailSent(db, m.id);
        sent++;
      } catch (e) {
        failed++;
        await notificationRepository.markMailFailed(db, m.id, (e as Error).message);
        logger?.warn({ sentNotificationId: m.id, err: (e as Error).message }, 'reminder e-mail failed');
      }
    }
    if (failed > 0) break; // the SMTP server is unhappy: leave the rest to the next run
  }
  return { sent, failed };
}
