// The node configuration in use by one application context: read once from the file named by
// config.axisNodeConfig (AXIS_NODE_CONFIG), or
// set by the node entry script and the tests.
import type { AppContext } from '../app-context.ts';
import { loadAxisNode, type AxisNode } from './node-config.ts';
import type { RouteTable } from './routing.ts';
import './http-transport.ts';
import './lgsp/lgsp-connector.ts';

const nodes = new WeakMap<object, AxisNode | null>();
const byDatabase = new WeakMap<object, AxisNode | null>();

export function setAxisNode(ctx: AppContext, node: AxisNode | null): void {
  nodes.set(ctx, node);
  byDatabase.set(ctx.db, node);
}

/** The node of this context; contexts built around the same database share it. */
export function axisNodeOf(ctx: AppContext): AxisNode | null {
  if (nodes.has(ctx)) return nodes.get(ctx)!;
  if (byDatabase.has(ctx.db)) return byDatabase.get(ctx.db)!;
  const node = loadAxisNode(ctx.config?.axisNodeConfig);
  setAxisNode(ctx, node);
  return node;
}

export function routeTableOf(node: AxisNode): RouteTable {
  const s = node.settings;
  return { nodeId: s.nodeId, organId: s.organId, agencies: s.agencies, peers: node.peers, maxHops: s.maxHops };
}

export function signingKeyFor(node: AxisNode, agencyCode: string) {
  return node.agencySigning.get(agencyCode) ?? node.signing;
}
