// Fills res.locals with what the layout needs (actor, navigation, agency switcher, notification bell)
// for HTML pages. The agency names and the unread count normally come with the session query
// (loadActor, GET pages: no extra round trip). Otherwise (a POST that re-renders its form with an
// error) they are loaded only when a page is actually rendered: redirects, JSON and downloads cost
// no query for a layout they never show.
import type { NextFunction, Request, Response } from 'express';
import type { Database } from '../db/database.ts';
import { findSessionActor, type PageChrome } from '../repositories/session.repository.ts';
import { navFor } from '../rendering/navigation.ts';

export function pageModel(db: Database) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const actor = req.actor;
    if (!actor || req.viaBearer || req.path.startsWith('/api/')) return next();
    res.locals.actor = { fullName: actor.fullName, username: actor.username };
    res.locals.navItems = navFor(actor, req.path);
    // Filled in below or at render time; set now so taskBellLocals does not query it again.
    const bell = { count: 0 };
    res.locals.taskBell = bell;
    const apply = (chrome: PageChrome) => {
      res.locals.agencyChoices = chrome.agencies.map((a) => ({ id: a.id, name: a.name, selected: a.id === actor.activeAgencyId }));
      bell.count = chrome.unreadNotifications;
    };
    const loaded = res.locals.pageChrome as PageChrome | undefined;
    if (loaded) {
      apply(loaded);
      return next();
    }
    const render = res.render.bind(res) as (...args: unknown[]) => void;
    res.render = ((...args: unknown[]) => {
      const idHash = actor.sessionIdHash;
      const chrome = idHash ? findSessionActor(db, idHash, true).then((s) => s?.chrome) : Promise.resolve(undefined);
      chrome.then(
        (c) => {
          apply(c ?? { agencies: [], unreadNotifications: 0 });
          render(...args);
        },
        (e: unknown) => {
          // The page cannot be shown without its layout data; the error page then renders without it.
          res.render = render as typeof res.render;
          const done = args.find((a) => typeof a === 'function') as ((err: unknown) => void) | undefined;
          if (done) done(e);
          else req.next!(e);
        },
      );
    }) as typeof res.render;
    next();
  };
}
