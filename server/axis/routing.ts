// Routing of the interconnection axis (issue 5 item 4; DOMAIN.md §5): a node serves a set of
// agency codes; a package for another code goes down to the child whose routes match it, or up to
// the parent (which, for a province, stands for the national axis). Pure functions, no I/O.
import type { TraceHeader } from './edxml/index.ts';

export interface RouteTable {
  nodeId: string;
  organId: string;
  agencies: readonly string[];
  peers: readonly { nodeId: string; role: 'parent' | 'child'; codes: readonly string[] }[];
  maxHops: number;
}

export type Route = { kind: 'local' } | { kind: 'peer'; nodeId: string } | { kind: 'none' };

/** `*` stands for one dot-separated group: `000.*.31.H41` matches every commune of district 31. */
export function codeMatches(pattern: string, code: string): boolean {
  if (pattern === code) return true;
  const p = pattern.split('.');
  const c = code.split('.');
  if (p.length !== c.length) return false;
  return p.every((g, i) => g === '*' || g.toUpperCase() === c[i]!.toUpperCase());
}

/** The most specific matching child wins (fewest wildcards), so an exception can be listed beside a pattern. */
export function routeFor(table: RouteTable, code: string): Route {
  if (table.agencies.some((a) => codeMatches(a, code))) return { kind: 'local' };
  let best: { nodeId: string; wild: number } | null = null;
  for (const peer of table.peers) {
    if (peer.role !== 'child') continue;
    for (const pattern of peer.codes) {
      if (!codeMatches(pattern, code)) continue;
      const wild = pattern.split('.').filter((g) => g === '*').length;
      if (!best || wild < best.wild) best = { nodeId: peer.nodeId, wild };
    }
  }
  if (best) return { kind: 'peer', nodeId: best.nodeId };
  const parent = table.peers.find((p) => p.role === 'parent');
  return parent ? { kind: 'peer', nodeId: parent.nodeId } : { kind: 'none' };
}

export type TraceVerdict = { ok: true } | { ok: false; reason: string };

/**
 * A package that already passed through this node is looping; one that took more hops than the
 * network allows is refused too (a misconfigured table must not bounce packages for seven days).
 */
export function checkTrace(table: RouteTable, trace: readonly TraceHeader[]): TraceVerdict {
  if (trace.length >= table.maxHops) return { ok: false, reason: `Gói tin đã qua ${trace.length} nút, vượt giới hạn ${table.maxHops} nút chuyển tiếp.` };
  if (trace.some((t) => t.OrganId === table.organId || t.OrganId === `node:${table.nodeId}`)) return { ok: false, reason: `Gói tin quay vòng: đã đi qua nút ${table.nodeId}.` };
  return { ok: true };
}
