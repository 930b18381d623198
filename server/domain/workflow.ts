// Workflows as data: for each action, the states it may start from, the state it leads to, and who
// may take it. Who is a role in the document's agency or a relation to the document (creator, lead,
// co-handler…). Illegal transitions are refused with 409, missing rights with 403 (issue 3 item 5).
import { AppError } from '../errors.ts';

export type Relation =
  | 'admin'
  | 'clerk'
  | 'specialist'
  | 'head'
  | 'leader'
  | 'creator'
  | 'lead'
  | 'co'
  | 'info'
  | 'reviewer';

export interface Transition<S extends string> {
  from: readonly S[];
  /** `null` keeps the state (a note, a comment, a new version). */
  to: S | null;
  who: readonly Relation[];
  label: string;
}

export type Machine<S extends string, A extends string> = {
  states: Record<S, string>;
  actions: Record<A, Transition<S>>;
};

export function decide<S extends string, A extends string>(machine: Machine<S, A>, state: S, action: string, relations: ReadonlySet<Relation>): { to: S; transition: Transition<S> } {
  const t = (machine.actions as Record<string, Transition<S> | undefined>)[action];
  if (!t) throw new AppError('not_found', 'Thao tác không tồn tại.');
  if (!t.from.includes(state)) {
    throw new AppError('conflict', `Không thể "${t.label}" khi văn bản đang ở trạng thái "${machine.states[state] ?? state}".`, { state, action });
  }
  if (!t.who.some((r) => relations.has(r))) {
    throw new AppError('forbidden', `Bạn không có quyền "${t.label}" văn bản này.`, { state, action });
  }
  return { to: t.to ?? state, transition: t };
}

/** Actions the person may take now: drives which forms the document page shows. */
export function allowedActions<S extends string, A extends string>(machine: Machine<S, A>, state: S, relations: ReadonlySet<Relation>): A[] {
  return (Object.entries(machine.actions) as [A, Transition<S>][])
    .filter(([, t]) => t.from.includes(state) && t.who.some((r) => relations.has(r)))
    .map(([a]) => a);
}
