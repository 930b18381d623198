import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { ROLE_LABELS, rolesIn, type Actor } from '../domain/actor.ts';
import { flashOf } from './admin.controller.ts';

export function homeController(ctx: AppContext) {
  return {
    async index(req: Request, res: Response): Promise<void> {
      const actor = req.actor as Actor;
      const agency = actor.activeAgencyId ? await agencyRepository.findById(ctx.db, actor.activeAgencyId) : undefined;
      const roles = agency ? rolesIn(actor, agency.id).map((r) => ROLE_LABELS[r]) : [];
      res.render('home/index', { title: 'Trang chủ', agency, roles, flash: flashOf(req) });
    },
  };
}
