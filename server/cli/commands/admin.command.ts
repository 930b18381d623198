// Administrator commands that work on the database: audit verification, API tokens, migrations.
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../logger.ts';
import { bootstrap, type Runtime } from '../../bootstrap.ts';
import { verifyAuditChain } from '../../services/audit.service.ts';
import { createApiToken } from '../../services/api-token.service.ts';
import { createPool } from '../../db/database.ts';
import { migrateDown, migrateToLatest } from '../../db/migrate.ts';

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const rt = await bootstrap(config, createLogger(process.env.LOG_LEVEL ?? 'warn'), { seed: false });
  try {
    return await fn(rt);
  } finally {
    await rt.stop();
  }
}

export function registerAdminCommands(program: Command): void {
  const audit = program.command('audit').description('Nhật ký hệ thống');
  audit
    .command('verify')
    .description('Kiểm tra chuỗi băm SHA-256 của nhật ký; chỉ ra mục đầu tiên bị phá vỡ')
    .option('--json', 'in kết quả dạng JSON')
    .action(async (opts: { json?: boolean }) => {
      const verdict = await withRuntime((rt) => verifyAuditChain(rt.context.db));
      if (opts.json) process.stdout.write(`${JSON.stringify(verdict)}\n`);
      else if (verdict.ok) process.stdout.write(`Chuỗi nhật ký toàn vẹn: ${verdict.count} mục.${verdict.unsealed ? ` ${verdict.unsealed} mục của giao dịch còn đang chạy chưa được nối vào chuỗi.` : ''}\n`);
      else process.stdout.write(`Chuỗi nhật ký bị phá vỡ tại mục #${verdict.brokenId}: ${verdict.reason}.\n`);
      process.exitCode = verdict.ok ? 0 : 1;
    });

  const token = program.command('token').description('Mã truy cập API cho hệ thống khác');
  token
    .command('create')
    .description('Tạo mã truy cập (bearer token) cho một người dùng; mã chỉ hiện một lần')
    .requiredOption('--user <username>', 'tên đăng nhập')
    .option('--label <text>', 'ghi chú mục đích', 'API')
    .action(async (opts: { user: string; label: string }) => {
      const t = await withRuntime((rt) => createApiToken(rt.context.db, opts.user, opts.label));
      process.stdout.write(`${t}\n`);
    });

  program
    .command('migrate')
    .description('Áp dụng (up) hoặc hoàn tác một bước (down) các migration')
    .argument('[direction]', 'up | down', 'up')
    .action(async (direction: string) => {
      const config = loadConfig();
      if (!config.databaseUrl) throw new Error('Cần DATABASE_URL (npm start tự chạy migration trên PostgreSQL nhúng).');
      const pool = createPool(config.databaseUrl, 2);
      try {
        const done = direction === 'down' ? await migrateDown(pool) : await migrateToLatest(pool);
        process.stdout.write(done.length ? `${done.join('\n')}\n` : 'Không có migration nào cần chạy.\n');
      } finally {
        await pool.end();
      }
    });
}
