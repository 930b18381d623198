// Configuration of this deployment as a node of the interconnection axis (issue 5 item 4). Read
// from the JSON file named by AXIS_NODE_CONFIG (read by server/config.ts as `axisNodeConfig`; this
// module validates the file itself with zod and reports every bad field at once). Without the
// variable the node is standalone: outbox rows wait until a route is configured.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Settings of a peer reached through the national axis / a provincial LGSP (connector 'lgsp',
 * server/axis/lgsp/). The shared secret is never written in this file: it is read from the named
 * environment variable or file, only by the connector, and never logged.
 */
const lgspSchema = z
  .object({
    /** Our system's id at the hub (the SDK's `systemId`). */
    systemId: z.string().min(1).max(100),
    secretEnv: z.string().min(1).optional(),
    secretPath: z.string().min(1).optional(),
    /** How often the poll job asks the hub for waiting packages. */
    pollEveryMs: z.number().int().min(200).default(30_000),
    /** At most this many packages fetched per message type and poll. */
    pageSize: z.number().int().min(1).max(500).default(50),
    /** Accepted clock difference of the hub's signed answers. */
    clockSkewMs: z.number().int().min(1000).default(300_000),
  })
  .refine((l) => !!l.secretEnv !== !!l.secretPath, { message: 'cần đúng một trong secretEnv hoặc secretPath' });

/** A neighbouring node: the parent (towards the national axis) or a child (towards communes). */
const peerSchema = z
  .object({
    nodeId: z.string().min(1).max(100),
    url: z.string().url(),
    /** PEM certificate of the peer node: its signed requests are checked against it ('node' peers). */
    certPath: z.string().min(1).optional(),
    /** Agency codes reached through this child (`*` matches one dot-separated group). */
    codes: z.array(z.string().min(1)).default([]),
    /** 'node' = our HTTP node-to-node transport; 'lgsp' = national axis / LGSP; others register their own kind. */
    connector: z.string().default('node'),
    lgsp: lgspSchema.optional(),
  })
  .refine((p) => p.connector !== 'node' || !!p.certPath, { message: 'nút kiểu "node" cần certPath', path: ['certPath'] })
  .refine((p) => p.connector !== 'lgsp' || !!p.lgsp, { message: 'nút kiểu "lgsp" cần mục lgsp', path: ['lgsp'] });

const agencyKeySchema = z.object({ keyPath: z.string(), certPath: z.string() });

export const axisNodeConfigSchema = z.object({
  nodeId: z.string().min(1).max(100),
  /** The OrganId written in the TraceHeader this node adds (its own main agency). */
  organId: z.string().min(1).max(40),
  listen: z.object({ host: z.string().default('127.0.0.1'), port: z.number().int().min(1).max(65535) }).optional(),
  /** Codes of the agencies this node serves (their incoming documents are created here). */
  agencies: z.array(z.string().min(1)).min(1),
  /** Agencies to create in this node's registry when missing (test networks, first start-up). */
  agencyNames: z.record(z.string(), z.string()).default({}),
  parent: peerSchema.optional(),
  children: z.array(peerSchema).default([]),
  /** Node key and certificate: sign our requests to peers. */
  nodeKeyPath: z.string(),
  nodeCertPath: z.string(),
  /** Default agency signing key for packages (the agency's organisation certificate). */
  signing: agencyKeySchema,
  /** Per-agency signing keys, by agency code, when agencies hold their own certificates. */
  agencySigning: z.record(z.string(), agencyKeySchema).default({}),
  /** Roots that package (agency) certificates and PDF signer certificates must chain to. */
  trustRootPaths: z.array(z.string()).min(1),
  crlPaths: z.array(z.string()).default([]),
  maxHops: z.number().int().min(1).max(32).default(8),
  maxPackageBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
  maxAttachmentBytes: z.number().int().min(1024).default(50 * 1024 * 1024),
  /** Verify PDF signatures inside arriving packages (an invalid one is answered with 02). */
  verifyPdfSignatures: z.boolean().default(true),
  /** Worker threads checking arriving packages (signatures, files); default one per core but one, at least 1; 0 = in the main thread. */
  checkThreads: z.number().int().min(0).max(64).optional(),
  retry: z
    .object({
      baseDelayMs: z.number().int().min(10).default(5000),
      maxDelayMs: z.number().int().min(100).default(3600_000),
      /** Give up (state 'expired', recipient flagged) after this long: 7 days by default. */
      maxAgeMs: z.number().int().min(1000).default(7 * 24 * 3600_000),
    })
    .default({ baseDelayMs: 5000, maxDelayMs: 3600_000, maxAgeMs: 7 * 24 * 3600_000 }),
  sweepEveryMs: z.number().int().min(200).default(60_000),
  requestTimeoutMs: z.number().int().min(100).default(30_000),
  /** Accepted clock difference of signed requests. */
  clockSkewMs: z.number().int().min(1000).default(300_000),
});

export type AxisNodeConfigInput = z.input<typeof axisNodeConfigSchema>;
export type AxisNodeSettings = z.output<typeof axisNodeConfigSchema>;
export type AxisPeerSettings = z.output<typeof peerSchema>;

export interface KeyPair {
  keyPem: string;
  certPem: string;
}

export interface AxisPeer extends AxisPeerSettings {
  /** Empty for peers without a node certificate (LGSP: HMAC over a shared secret). */
  certPem: string;
  role: 'parent' | 'child';
}

/** The settings with every file read: what the transport and the services use. */
export interface AxisNode {
  settings: AxisNodeSettings;
  node: KeyPair;
  signing: KeyPair;
  agencySigning: Map<string, KeyPair>;
  peers: AxisPeer[];
  trustRoots: string[];
  crls: Buffer[];
}

export class AxisConfigError extends Error {}

export function parseAxisNodeConfig(raw: unknown, baseDir = process.cwd()): AxisNode {
  const r = axisNodeConfigSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(gốc)'}: ${i.message}`).join('; ');
    throw new AxisConfigError(`Cấu hình nút trục liên thông không hợp lệ — ${problems}`);
  }
  const s = r.data;
  const read = (p: string) => readFileSync(path.resolve(baseDir, p), 'utf8');
  const pair = (k: { keyPath: string; certPath: string }): KeyPair => ({ keyPem: read(k.keyPath), certPem: read(k.certPath) });
  // Secret files are read by the connector only; their path is made absolute here.
  const peerOf = (p: AxisPeerSettings, role: AxisPeer['role']): AxisPeer => ({
    ...p,
    codes: role === 'parent' ? [] : p.codes,
    ...(p.lgsp?.secretPath ? { lgsp: { ...p.lgsp, secretPath: path.resolve(baseDir, p.lgsp.secretPath) } } : {}),
    certPem: p.certPath ? read(p.certPath) : '',
    role,
  });
  const peers: AxisPeer[] = [];
  if (s.parent) peers.push(peerOf(s.parent, 'parent'));
  for (const c of s.children) peers.push(peerOf(c, 'child'));
  const ids = new Set<string>();
  for (const p of peers) {
    if (ids.has(p.nodeId) || p.nodeId === s.nodeId) throw new AxisConfigError(`Mã nút "${p.nodeId}" bị trùng trong bảng định tuyến.`);
    ids.add(p.nodeId);
  }
  return {
    settings: s,
    node: { keyPem: read(s.nodeKeyPath), certPem: read(s.nodeCertPath) },
    signing: pair(s.signing),
    agencySigning: new Map(Object.entries(s.agencySigning).map(([code, k]) => [code, pair(k)])),
    peers,
    trustRoots: s.trustRootPaths.map(read),
    crls: s.crlPaths.map((p) => readFileSync(path.resolve(baseDir, p))),
  };
}

/** Reads the node file (config.axisNodeConfig, from AXIS_NODE_CONFIG); relative paths inside it are relative to the file. */
export function loadAxisNode(file: string | undefined): AxisNode | null {
  if (!file) return null;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return parseAxisNodeConfig(raw, path.dirname(path.resolve(file)));
}
