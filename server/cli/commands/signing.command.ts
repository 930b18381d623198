import type { Command } from 'commander';

export function registerSigningCommands(program: Command): void {
  void program;
}
