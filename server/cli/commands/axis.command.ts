// Administrator commands of the interconnection axis: the state of the outbox and inbox, a sweep
// run by hand, and the package of a document built from the database (`edxml build --document`).
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { createLogger } from '../../logger.ts';
import { bootstrap, type Runtime } from '../../bootstrap.ts';

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await bootstrap(loadConfig(), createLogger(process.env.LOG_LEVEL ?? 'warn'), { seed: false });
  try {
    return await fn(rt);
  } finally {
    await rt.stop();
  }
}

export async function buildFromDatabase(documentId: string, to?: string): Promise<{ xml: string; attachments: number }> {
  const { documentPackageFromDatabase } = await import('../../services/axis-package.service.ts');
  return withRuntime(async (rt) => {
    const built = await documentPackageFromDatabase(rt.context, documentId, to);
    return { xml: built.xml, attachments: (built.xml.match(/<Attachment>/g) ?? []).length };
  });
}

export function registerAxisCommands(program: Command): void {
  const axis = program.command('axis').description('Trục liên thông văn bản (edXML giữa các nút)');
  axis
    .command('status')
    .description('Số gói tin trong hàng đợi gửi và đã nhận, theo trạng thái')
    .option('--json', 'in kết quả dạng JSON')
    .action(async (opts: { json?: boolean }) => {
      const { axisCounts } = await import('../../services/axis.service.ts');
      const counts = await withRuntime((rt) => axisCounts(rt.context));
      if (opts.json) process.stdout.write(`${JSON.stringify(counts)}\n`);
      else {
        for (const r of counts.outbox) process.stdout.write(`gửi   ${r.kind.padEnd(9)} ${r.state.padEnd(9)} ${r.n}\n`);
        for (const r of counts.inbox) process.stdout.write(`nhận  ${r.state.padEnd(19)} ${r.n}\n`);
        process.stdout.write(`nơi nhận quá hạn vào sổ: ${counts.late}\n`);
      }
    });
  axis
    .command('sweep')
    .description('Đưa lại vào hàng đợi mọi gói tin đến hạn gửi và gói tin đã nhận chưa xử lý; đánh dấu nơi nhận quá hạn')
    .action(async () => {
      const { sweepAxis } = await import('../../services/axis.service.ts');
      const r = await withRuntime((rt) => sweepAxis(rt.context));
      process.stdout.write(`Đưa lại hàng đợi: ${r.outbox} gói gửi, ${r.inbox} gói nhận; đánh dấu quá hạn: ${r.flagged}.\n`);
    });
}
