// HTTP side of the axis: the node-to-node endpoint (no user session: the request is signed by the
// peer node) and the clerk's overview page. Parse input, call a service, answer.
import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { axisNodeOf } from '../axis/axis-node.ts';
import { authenticateNodeRequest, PACKAGES_PATH } from '../axis/http-transport.ts';
import { axisOverview, receivePackage, rememberNodeRequest } from '../services/axis.service.ts';
import { arrivalCheckPoolOf } from '../services/axis-check-pool.ts';

export function axisNodeController(ctx: AppContext) {
  // The check threads start with the endpoint, not with its first package.
  const configured = axisNodeOf(ctx);
  if (configured) arrivalCheckPoolOf(configured, ctx.config.ocsp);
  return {
    async receive(req: Request, res: Response) {
      const node = axisNodeOf(ctx);
      if (!node) return res.status(503).json({ outcome: 'error', reason: 'Nút trục liên thông chưa được cấu hình.' });
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const auth = authenticateNodeRequest(node, 'POST', PACKAGES_PATH, { get: (n) => req.get(n) }, body);
      if (!auth.ok) {
        ctx.logger.warn({ node: req.get('x-axis-node'), reason: auth.reason }, 'axis: node request refused');
        return res.status(401).json({ outcome: 'error', reason: auth.reason });
      }
      // The same signed request twice (captured and replayed inside the clock window) is refused;
      // a sender's genuine retry is signed again with a new date, so it is a new request.
      if (!(await rememberNodeRequest(ctx, auth.peer.nodeId, auth.requestId))) {
        ctx.logger.warn({ node: auth.peer.nodeId }, 'axis: replayed node request refused');
        return res.status(401).json({ outcome: 'error', reason: 'Yêu cầu này đã được nhận trước đó (phát lại yêu cầu đã ký); không xử lý lại.' });
      }
      const result = await receivePackage(ctx, { bytes: body, recipientCode: auth.recipientCode, trace: auth.trace, fromNode: auth.peer.nodeId });
      return res.status(result.outcome === 'accepted' ? 200 : 422).json(result);
    },
    info(_req: Request, res: Response) {
      const node = axisNodeOf(ctx);
      if (!node) return res.status(503).json({ outcome: 'error', reason: 'Nút trục liên thông chưa được cấu hình.' });
      return res.json({ nodeId: node.settings.nodeId, organId: node.settings.organId, agencies: node.settings.agencies });
    },
  };
}

export function axisController(ctx: AppContext) {
  return {
    async overview(_req: Request, res: Response) {
      const model = await axisOverview(ctx);
      res.render('axis/index', { title: 'Trục liên thông', ...model });
    },
  };
}
