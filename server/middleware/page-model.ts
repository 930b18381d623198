// Fills res.locals with what the layout needs (actor, navigation, agency switcher) for HTML pages.
import type { NextFunction, Request, Response } from 'express';
import type { Database } from '../db/database.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { agenciesOf } from '../domain/actor.ts';
import { navFor } from '../rendering/navigation.ts';

export function pageModel(db: Database) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const actor = req.actor;
    if (!actor || req.viaBearer || req.path.startsWith('/api/')) return next();
    try {
      const ids = agenciesOf(actor);
      const rows = ids.length
        ? await db.selectFrom('agency as a').select(['a.id', agencyRepository.nameAt(new Date()).as('name')]).where('a.id', 'in', ids).orderBy('a.id').execute()
        : [];
      res.locals.actor = { fullName: actor.fullName, username: actor.username };
      res.locals.navItems = navFor(actor, req.path);
      res.locals.agencyChoices = rows.map((r) => ({ id: r.id, name: r.name, selected: r.id === actor.activeAgencyId }));
      next();
    } catch (e) {
      next(e);
    }
  };
}
