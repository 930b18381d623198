import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { ROLE_LABELS, rolesIn, type Actor } from '../domain/actor.ts';
import { INCOMING_TABS } from '../domain/incoming-workflow.ts';
import { OUTGOING_TABS } from '../domain/outgoing-workflow.ts';
import { todayInVietnam } from '../domain/vietnam-time.ts';
import { flashOf } from './admin.controller.ts';

/** Counts per list tab from counts per state: what waits for this person, at a glance. */
function tabCounts(tabs: Record<string, { label: string; states: readonly string[]; overdue?: boolean }>, counts: { state: string; count: number; overdue: number }[], base: string) {
  return Object.entries(tabs).map(([key, t]) => ({
    label: t.label,
    href: `${base}?tab=${key}`,
    count: counts.filter((c) => t.states.includes(c.state)).reduce((n, c) => n + (t.overdue ? c.overdue : c.count), 0),
    warn: Boolean(t.overdue),
  }));
}

export function homeController(ctx: AppContext) {
  return {
    async index(req: Request, res: Response): Promise<void> {
      const actor = req.actor as Actor;
      const agency = actor.activeAgencyId ? await agencyRepository.findById(ctx.db, actor.activeAgencyId) : undefined;
      const roles = agency ? rolesIn(actor, agency.id).map((r) => ROLE_LABELS[r]) : [];
      const today = todayInVietnam();
      const [incoming, outgoing] = agency
        ? await Promise.all([
            documentRepository.countsByState(ctx.db, actor, agency.id, 'incoming', today),
            documentRepository.countsByState(ctx.db, actor, agency.id, 'outgoing', today),
          ])
        : [[], []];
      res.render('home/index', {
        title: 'Trang chủ',
        agency,
        roles,
        incoming: tabCounts(INCOMING_TABS, incoming, '/documents/incoming'),
        outgoing: tabCounts(OUTGOING_TABS, outgoing, '/documents/outgoing'),
        flash: flashOf(req),
      });
    },
  };
}
