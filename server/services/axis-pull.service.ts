// Pull-based peers of the axis (issue 5 item 8): the national axis / a provincial LGSP keeps what
// is addressed to us until we fetch it. The poll job ('axis.poll') asks each such peer for what
// waits, hands every package to the same receiving path as a package posted by a peer node
// (receivePackage: same checks, same idempotency on sender/DocumentId/business type, status 02 on
// refusal) and acknowledges it to the hub only after that path has committed it.
import type { AppContext } from '../app-context.ts';
import { axisNodeOf } from '../axis/axis-node.ts';
import { connectorFor } from '../axis/connector.ts';
import { receivePackage } from './axis.service.ts';

export interface PollSummary {
  peers: number;
  /** Packages handed to the receiving path and acknowledged (accepted or refused for good). */
  stored: number;
  refused: number;
  /** Peers or messages that failed this time; left on the hub, tried on the next poll. */
  failed: number;
}

/** One poll at a time per process and database: a slow hub must not pile up overlapping polls. */
const running = new WeakSet<object>();

export async function pollPullPeers(ctx: AppContext): Promise<PollSummary> {
  const summary: PollSummary = { peers: 0, stored: 0, refused: 0, failed: 0 };
  const node = axisNodeOf(ctx);
  if (!node || running.has(ctx.db)) return summary;
  running.add(ctx.db);
  try {
    for (const peer of node.peers) {
      const connector = connectorFor(node, peer);
      if (!connector.poll) continue;
      summary.peers++;
      let pulled;
      try {
        pulled = await connector.poll({
          onError: (message) => {
            summary.failed++;
            ctx.logger.warn({ peer: peer.nodeId, err: message }, 'axis: a waiting package could not be fetched; left on the hub');
          },
        });
      } catch (e) {
        summary.failed++;
        ctx.logger.warn({ peer: peer.nodeId, err: (e as Error).message }, 'axis: poll failed; will try again');
        continue;
      }
      for (const p of pulled) {
        try {
          const r = await receivePackage(ctx, { bytes: p.packageBytes, recipientCode: p.recipientCode, trace: p.trace, fromNode: p.fromNode });
          // Durably stored (accepted, or recorded as refused with its 02 queued): the hub may forget it.
          if (r.receiptId) await p.acknowledge(r.receiptId);
          else await p.refuse?.(r.outcome === 'rejected' ? r.reason : 'Không tiếp nhận.');
          if (r.outcome === 'accepted') summary.stored++;
          else summary.refused++;
        } catch (e) {
          // Not acknowledged: the hub offers it again and the inbox key makes the retry a no-op.
          summary.failed++;
          ctx.logger.warn({ peer: peer.nodeId, remoteId: p.remoteId, err: (e as Error).message }, 'axis: pulled package not stored or not acknowledged; will try again');
        }
      }
    }
  } finally {
    running.delete(ctx.db);
  }
  if (summary.stored || summary.refused || summary.failed) ctx.logger.info({ ...summary }, 'axis: poll of pull peers');
  return summary;
}

/** How often to poll: the most frequent of the pull peers' settings (30 s by default). */
export function pollEveryMs(ctx: AppContext): number {
  const node = axisNodeOf(ctx);
  const every = (node?.peers ?? []).map((p) => p.lgsp?.pollEveryMs).filter((n): n is number => typeof n === 'number');
  return every.length ? Math.min(...every) : 30_000;
}
