/**
 * Crash resume tests in one process: a crash image of a running kiosk's data directory (SQLite's online backup:
 * exactly what a SIGKILL at a commit boundary leaves; the journal and the key file copied after it), and a second
 * kiosk started on it against the same platform — the restarted core. The SIGKILL of a real child process is in
 * resume-kill.test.ts.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatedClock } from 'xstate';
import type { InvokeName, Params, ReplyEnvelope, SessionView } from '../../../main/contract/index.js';
import { dispatch } from '../../../main/core/rpc.js';
import { startSimulatedKiosk, type SimulatedKiosk } from '../../../main/sim/terminal.js';
import { JOURNAL_FILE } from '../../../offline-cache/index.js';
import { tempDir } from '../../integration/queue/helpers.js';
import { waitUntil, type MatterKiosk } from './matters-helpers.js';
export { sampleInput as valueFor } from '../../../main/sim/sample-input.js';

export interface Driven {
  kiosk: SimulatedKiosk;
  call<N extends InvokeName>(method: N, params: Params<N>): Promise<ReplyEnvelope['reply']>;
  ok<N extends InvokeName>(method: N, params: Params<N>): Promise<void>;
  view(): SessionView;
  waitView(cond: (v: SessionView) => boolean, what: string, ms?: number): Promise<SessionView>;
}

export function drive(kiosk: SimulatedKiosk): Driven {
  const core = kiosk.core;
  let id = 0;
  const call = async <N extends InvokeName>(method: N, params: Params<N>): Promise<ReplyEnvelope['reply']> =>
    (await dispatch(JSON.stringify({ type: 'request', id: ++id, method, params }), core.handlers, core.log)).reply;
  return {
    kiosk,
    call,
    async ok(method, params) {
      const r = await call(method, params);
      if (!r.ok) throw new Error(`${method} refused: ${r.error.code} ${r.error.message}`);
    },
    view: () => core.session.view(),
    async waitView(cond, what, ms = 15_000) {
      await waitUntil(() => cond(core.session.view()), `${what} (screen ${core.session.view().screen}, step ${core.session.view().matter?.step.kind ?? '-'})`, ms);
      return core.session.view();
    },
  };
}

/** What a SIGKILL now would leave of the kiosk's data directory, in a new directory. */
export async function crashImage(k: MatterKiosk | Driven): Promise<string> {
  const core = k.kiosk.core;
  const cache = core.queue.cache;
  if (!cache) throw new Error('no offline cache');
  const from = core.loaded.dataDir;
  const to = join(tempDir('resume-crash-'), 'data');
  mkdirSync(to, { recursive: true });
  await cache.db.backup(join(to, 'kiosk.db'));
  if (existsSync(join(from, JOURNAL_FILE))) copyFileSync(join(from, JOURNAL_FILE), join(to, JOURNAL_FILE));
  cpSync(join(from, 'keys'), join(to, 'keys'), { recursive: true });
  return to;
}

/** The restarted core: a new simulated kiosk on `dataDir`, against the same platform (the first kiosk's proxy). */
export async function restart(dataDir: string, platformUrl: string, opts: { profile?: Record<string, unknown>; clock?: SimulatedClock } = {}): Promise<Driven> {
  const file = join(tempDir('resume-profile-'), 'kiosk.json');
  writeFileSync(
    file,
    JSON.stringify({
      dataDir,
      logging: { level: 'warn' },
      platform: { url: platformUrl, probeSeconds: 1, retryBaseMs: 10, retryCapMs: 200, timeoutMs: 2000 },
      ...opts.profile,
    }),
  );
  const kiosk = await startSimulatedKiosk({ profilePath: file, host: 'web', deliveryIdleMs: 20, caseNumberWaitMs: 3000, ...(opts.clock ? { clock: opts.clock } : {}) });
  return drive(kiosk);
}

