// One structured logger (STYLE.md convention 14). Secrets are redacted by path so that a passphrase
// or PIN passed by mistake never reaches the log.
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  'passphrase',
  'pin',
  '*.password',
  '*.passphrase',
  '*.pin',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

export function createLogger(level = 'info'): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[ẩn]' }, base: { app: 'vanthu' } });
}
