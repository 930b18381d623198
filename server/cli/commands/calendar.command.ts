import type { Command } from 'commander';

export function registerCalendarCommands(program: Command): void {
  void program;
}
