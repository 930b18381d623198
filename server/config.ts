// The only module that reads process.env (STYLE.md convention 5). Every variable is validated at
// once so that a bad start-up lists all problems together.
import { z } from 'zod';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_PG_DIR: z.string().min(1).default('./.data/pg'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  REDIS_URL: z.string().url().optional(),
  QUEUE_PREFIX: z.string().regex(/^[\w.-]{1,60}$/).default('vanthu'),
  SCHEDULER_CHECK_MS: z.coerce.number().int().min(1000).max(3600_000).default(30_000),
  SESSION_SECRET: z.string().min(32, 'cần ít nhất 32 ký tự').optional(),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  COOKIE_SECURE: boolean.optional(),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  RUN_WORKERS_IN_WEB: boolean.default(true),
  WEB_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  SEED_DEMO: boolean.default(true),
  BLOB_DIR: z.string().min(1).default('./.data/blobs'),
  BLOB_STORE: z.enum(['local', 's3']).default('local'),
  S3_BUCKET: z.string().optional(),
  S3_PREFIX: z.string().optional(),
  S3_REGION: z.string().optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: boolean.optional(),
  UPLOAD_MAX_MB: z.coerce.number().int().min(1).max(2048).default(50),
  CREDENTIAL_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'phải là 64 ký tự hex (32 byte)')
    .optional(),
  TRUST_ROOTS: z.string().optional(),
  /** CRL files (DER or PEM), comma-separated: revocation data for signing and verification. */
  CRL_FILES: z.string().optional(),
  /** Leader signature box when the name is not found: "x,y,width,height[,page]" in PDF points, page -1 = last. */
  LEADER_FALLBACK: z
    .string()
    .regex(/^\s*-?\d+(\.\d+)?(\s*,\s*-?\d+(\.\d+)?){3,4}\s*$/, 'phải có dạng x,y,rộng,cao[,trang] (điểm PDF; trang -1 = trang cuối)')
    .optional(),
  TSA_URL: z.string().url().optional(),
  /** Ask the certificate's OCSP responder when no CRL of its issuer answers. */
  OCSP_ENABLED: boolean.default(true),
  OCSP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  AXIS_NODE_CONFIG: z.string().optional(),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('VănThư <vanthu@localhost>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.input<typeof schema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string | undefined;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  embeddedPg: { dir: string; port: number };
  redisUrl: string | undefined;
  queuePrefix: string;
  /** How often worker processes re-create job schedulers lost with the queue store's data. */
  schedulerCheckMs: number;
  sessionSecret: string;
  sessionTtlHours: number;
  cookieSecure: boolean;
  loginMaxFailures: number;
  loginLockMinutes: number;
  runWorkersInWeb: boolean;
  /** HTTP processes sharing the port (node:cluster); 1 = this process serves HTTP itself. */
  webProcesses: number;
  seedDemo: boolean;
  blobDir: string;
  blobStore: { kind: 'local'; dir: string } | { kind: 's3'; bucket: string; prefix?: string; region?: string; endpoint?: string; accessKeyId?: string; secretAccessKey?: string; forcePathStyle?: boolean };
  uploadMaxBytes: number;
  credentialKey: Buffer;
  trustRoots: string[];
  crlFiles: string[];
  leaderFallback: { x: number; y: number; width: number; height: number; pageIndex: number } | undefined;
  tsaUrl: string | undefined;
  /** OCSP for signature verification (server/signing/ocsp-client.ts). */
  ocsp: { enabled: boolean; timeoutMs: number };
  /** Path of the axis node JSON (server/axis/node-config.ts); unset = standalone node. */
  axisNodeConfig: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Cấu hình không hợp lệ:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

// Development defaults that must never reach production: fixed, clearly labelled keys.
const DEV_SESSION_SECRET = 'dev-only-session-secret-not-for-production-use';
const DEV_CREDENTIAL_KEY = '00'.repeat(31) + '01';

function leaderFallbackOf(v: string): Config['leaderFallback'] {
  const [x, y, width, height, page = -1] = v.split(',').map((n) => Number(n.trim()));
  return { x: x!, y: y!, width: width!, height: height!, pageIndex: page };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  if (production && !e.SESSION_SECRET) problems.push('SESSION_SECRET: bắt buộc khi NODE_ENV=production');
  if (production && !e.CREDENTIAL_KEY) problems.push('CREDENTIAL_KEY: bắt buộc khi NODE_ENV=production');
  if (production && !e.DATABASE_URL) problems.push('DATABASE_URL: bắt buộc khi NODE_ENV=production');
  if (e.BLOB_STORE === 's3' && !e.S3_BUCKET) problems.push('S3_BUCKET: bắt buộc khi BLOB_STORE=s3');
  if (problems.length) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    embeddedPg: { dir: e.EMBEDDED_PG_DIR, port: e.EMBEDDED_PG_PORT },
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    schedulerCheckMs: e.SCHEDULER_CHECK_MS,
    sessionSecret: e.SESSION_SECRET ?? DEV_SESSION_SECRET,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    cookieSecure: e.COOKIE_SECURE ?? production,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginLockMinutes: e.LOGIN_LOCK_MINUTES,
    runWorkersInWeb: e.RUN_WORKERS_IN_WEB,
    webProcesses: e.WEB_PROCESSES,
    seedDemo: e.SEED_DEMO && !production,
    blobDir: e.BLOB_DIR,
    blobStore:
      e.BLOB_STORE === 's3'
        ? { kind: 's3', bucket: e.S3_BUCKET!, prefix: e.S3_PREFIX, region: e.S3_REGION, endpoint: e.S3_ENDPOINT, accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY, forcePathStyle: e.S3_FORCE_PATH_STYLE }
        : { kind: 'local', dir: e.BLOB_DIR },
    uploadMaxBytes: e.UPLOAD_MAX_MB * 1024 * 1024,
    credentialKey: Buffer.from(e.CREDENTIAL_KEY ?? DEV_CREDENTIAL_KEY, 'hex'),
    trustRoots: e.TRUST_ROOTS ? e.TRUST_ROOTS.split(',').map((s) => s.trim()).filter(Boolean) : [],
    crlFiles: e.CRL_FILES ? e.CRL_FILES.split(',').map((s) => s.trim()).filter(Boolean) : [],
    leaderFallback: e.LEADER_FALLBACK ? leaderFallbackOf(e.LEADER_FALLBACK) : undefined,
    tsaUrl: e.TSA_URL,
    ocsp: { enabled: e.OCSP_ENABLED, timeoutMs: e.OCSP_TIMEOUT_MS },
    axisNodeConfig: e.AXIS_NODE_CONFIG,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
  };
}
