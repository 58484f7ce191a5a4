import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { Application, RatingContent } from '../catalog/index.js';

/**
 * A running matter's state as JSON, and back (crash resume). The matter's persisted snapshot (xstate's
 * getPersistedSnapshot: its state, context, and the current step's snapshot with the step's own invoked actor) is
 * kept with the application and the rating content replaced by markers: they come from the catalog in use when
 * the matter is restored, which must be the same version (the caller checks).
 *
 * xstate restarts the invoked actors of a restored snapshot with their persisted input: the submission, a print,
 * a payment, a rating, a scan or a certificate look-up that was running when the core died runs again. Each of
 * them carries the idempotency key it had (the matter key, the print and payment attempt): the core's actors
 * make a second run of the same key a no-op or a look-up, never a second case, charge or receipt.
 */

const APP = { $matterApp: 1 } as const;
const RATING = { $ratingContent: 1 } as const;

const isMarker = (v: unknown, m: object): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && JSON.stringify(v) === JSON.stringify(m);

/** The running matter's snapshot as JSON text, without its application and rating content. */
export function persistMatter(ref: AnyActorRef, app: Application, rating: RatingContent): string {
  const snapshot: unknown = ref.getPersistedSnapshot();
  return JSON.stringify(snapshot, (_key, value: unknown) => (value === app ? APP : value === rating ? RATING : value));
}

export class RestoreError extends Error {
  override readonly name = 'RestoreError';
}

/**
 * A matter logic whose initial snapshot is the persisted one: spawned by the session like any matter, it starts
 * where the persisted matter was (its current step restored, the step's invoked actor restarted).
 */
export function restoredMatterLogic<L extends AnyActorLogic>(logic: L, persisted: string, app: Application, rating: RatingContent): L {
  let snapshot: unknown;
  try {
    snapshot = JSON.parse(persisted, (_key, value: unknown) => (isMarker(value, APP) ? app : isMarker(value, RATING) ? rating : value));
  } catch (e) {
    throw new RestoreError('the saved matter is not JSON', { cause: e });
  }
  if (typeof snapshot !== 'object' || snapshot === null || (snapshot as { status?: unknown }).status !== 'active') {
    throw new RestoreError('the saved matter is not a running matter');
  }
  // The logic's own prototype (the compiled machine) with one change: its first snapshot is the restored one.
  const restore = logic.restoreSnapshot?.bind(logic);
  if (restore === undefined) throw new RestoreError('this logic cannot be restored');
  return Object.create(logic, {
    getInitialSnapshot: { value: (scope: Parameters<NonNullable<L['restoreSnapshot']>>[1]) => restore(snapshot as never, scope) },
  }) as L;
}
