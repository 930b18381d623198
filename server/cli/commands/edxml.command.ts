import type { Command } from 'commander';

export function registerEdxmlCommands(program: Command): void {
  void program;
}
