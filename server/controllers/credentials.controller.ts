// Chứng thư số: upload (PKCS#12 + signature or seal image), list with certificate details, deactivate.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import type { Actor } from '../domain/actor.ts';
import { isAppError } from '../errors.ts';
import { credentialImage, credentialsPage, deactivateCredential, uploadCredential, type CredentialUpload } from '../services/credential.service.ts';

const actorOf = (req: Request) => req.actor as Actor;

function filesOf(req: Request): CredentialUpload {
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  const pick = (field: string) => files.find((f) => f.fieldname === field && f.size > 0)?.buffer;
  return { p12: pick('p12'), image: pick('image') };
}

const FLASH: Record<string, string> = { uploaded: 'Đã lưu chứng thư số (tệp được mã hóa; mật khẩu không được lưu).', deactivated: 'Đã thu hồi chứng thư số khỏi hệ thống.' };

export function credentialsController(ctx: AppContext) {
  async function render(req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) {
    res.status(status).render('credentials/index', { title: 'Chứng thư số', ...(await credentialsPage(ctx, actorOf(req))), me: actorOf(req).username, flash: FLASH[String(req.query.ok ?? '')], ...extra });
  }
  return {
    index: (req: Request, res: Response) => render(req, res),
    async upload(req: Request, res: Response) {
      try {
        await uploadCredential(ctx, actorOf(req), req.body, filesOf(req));
        res.redirect(303, '/credentials?ok=uploaded');
      } catch (e) {
        if (!isAppError(e)) throw e;
        await render(req, res, { error: e.message }, e.status);
      }
    },
    async deactivate(req: Request, res: Response) {
      await deactivateCredential(ctx, actorOf(req), String(req.params.id));
      res.redirect(303, '/credentials?ok=deactivated');
    },
    async image(req: Request, res: Response) {
      res.set('Cache-Control', 'private, no-store').type('image/png').send(await credentialImage(ctx, actorOf(req), String(req.params.id)));
    },
  };
}
