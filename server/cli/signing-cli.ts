// The lean `vanthu` for the signing commands (sign, stamp-number, verify): the same command
// definitions as server/cli/main.ts (registerSigningCommands), without loading the other areas'
// commands, the database layer or the web stack. Run by signing-main.ts (the cached esbuild bundle)
// and by signing-snapshot.ts (the startup snapshot); see bin/vanthu.mjs.
import { Command } from 'commander';
import { registerSigningCommands } from './commands/signing.command.ts';

/** Runs one signing command line and returns the exit code (errors printed in Vietnamese). */
export async function runSigningCli(argv: string[]): Promise<number> {
  const program = new Command();
  program.name('vanthu').description('VănThư — lệnh ký số').showHelpAfterError();
  registerSigningCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`Lỗi: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = process.exitCode || 1;
  }
  return Number(process.exitCode ?? 0);
}
