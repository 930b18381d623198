// A lean `vanthu` for the signing commands (sign, stamp-number, verify): the same command
// definitions as server/cli/main.ts (registerSigningCommands), without loading the other areas'
// commands, the database layer or the web stack. bin/vanthu.mjs runs it from a cached esbuild
// bundle rebuilt whenever one of its sources changes, so a script signing a file pays for a Node
// start and the signing code only.
import { Command } from 'commander';
import { registerSigningCommands } from './commands/signing.command.ts';

const program = new Command();
program.name('vanthu').description('VănThư — lệnh ký số').showHelpAfterError();
registerSigningCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`Lỗi: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = process.exitCode || 1;
}
process.exit(Number(process.exitCode ?? 0));
