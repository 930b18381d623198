// Wiring of every sub-command group. Add one line per area.
import type { Command } from 'commander';
import { registerSigningCommands } from './signing.command.ts';
import { registerEdxmlCommands } from './edxml.command.ts';
import { registerCalendarCommands } from './calendar.command.ts';
import { registerAdminCommands } from './admin.command.ts';
import { registerAxisCommands } from './axis.command.ts';

export function registerCommands(program: Command): void {
  registerSigningCommands(program);
  registerEdxmlCommands(program);
  registerCalendarCommands(program, (year) => import('../../services/calendar.service.ts').then((m) => m.cliCalendarOverrides(year)));
  registerAdminCommands(program);
  registerAxisCommands(program);
}
