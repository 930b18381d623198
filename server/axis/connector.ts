// Connectors of the interconnection axis (issue 5 item 8). The workflow code (services, outbox,
// receipts) only ever talks to this interface: our node-to-node HTTP transport is the first
// implementation; a national-axis or provincial LGSP connector (which polls getReceivedEdocList /
// getEdoc and posts updateStatus with HMAC-signed headers) is added by registering another factory
// and naming it in the peer's `connector` field of the node configuration.
import type { TraceHeader } from './edxml/index.ts';
import type { AxisNode, AxisPeer } from './node-config.ts';

/** One package handed to the next hop, for one recipient agency. */
export interface AxisDelivery {
  /** The signed edXML package, byte for byte as signed by the sending agency. */
  packageBytes: Buffer;
  recipientCode: string;
  /** Hops so far, this node's last. */
  trace: TraceHeader[];
}

export type DeliveryResult =
  /** Durably stored by the next hop: its receipt id. */
  | { outcome: 'accepted'; receiptId: string }
  /** Refused for good (bad package, unknown recipient…): not retried; a status 02 follows. */
  | { outcome: 'rejected'; receiptId: string | null; reason: string };

/** Thrown for anything worth retrying (network down, 5xx, timeout). */
export class TransientDeliveryError extends Error {}

/** A package received by a connector that pulls (LGSP/national axis), handed to the same inbox path. */
export interface PulledPackage {
  packageBytes: Buffer;
  recipientCode: string;
  trace: TraceHeader[];
  fromNode: string;
  /** The remote system's id of the message (logs). */
  remoteId?: string;
  /** Acknowledge to the remote system once the package is durably stored here. */
  acknowledge(receiptId: string): Promise<void>;
  /** Refused for good here without anything to answer with (no receipt id): stop offering it. */
  refuse?(reason: string): Promise<void>;
}

export interface PollOptions {
  /** One waiting message could not be fetched or checked (it stays on the remote system). */
  onError?(message: string): void;
}

export interface AxisConnector {
  readonly kind: string;
  readonly peer: AxisPeer;
  deliver(d: AxisDelivery): Promise<DeliveryResult>;
  /** Pull-based connectors only: packages waiting for this node. */
  poll?(opts?: PollOptions): Promise<PulledPackage[]>;
}

export type ConnectorFactory = (node: AxisNode, peer: AxisPeer) => AxisConnector;

const factories = new Map<string, ConnectorFactory>();

export function registerConnector(kind: string, factory: ConnectorFactory): void {
  factories.set(kind, factory);
}

export function connectorFor(node: AxisNode, peer: AxisPeer): AxisConnector {
  const f = factories.get(peer.connector);
  if (!f) throw new Error(`Chưa có bộ kết nối "${peer.connector}" cho nút ${peer.nodeId}.`);
  return f(node, peer);
}
