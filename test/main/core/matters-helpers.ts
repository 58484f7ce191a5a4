/**
 * A whole simulated kiosk for matter tests: simulated devices (card reader, printer, scanner, pad), a
 * platform simulator holding the sample e-certificates, behind a recording proxy so a test sees what
 * the kiosk sent (case bodies, ratings, attachments) and in which order. Requests go through the
 * core's real dispatch (validated params, typed replies).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatedClock } from 'xstate';
import { SAMPLE_CATALOG } from '../../../main/catalog/index.js';
import type { InvokeName, Params, ReplyEnvelope, SessionView, StepView, StepViewOf } from '../../../main/contract/index.js';
import { dispatch } from '../../../main/core/rpc.js';
import { DEV_HOLDER_KEY, DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { startPlatformSimulator, type PlatformSimulator } from '../../../main/platform/simulator.js';
import { sampleCertificates } from '../../../main/sim/certificates.js';
import { startSimulatedKiosk, type SimulatedKiosk } from '../../../main/sim/terminal.js';
import { sampleInput as valueFor } from '../../../main/sim/sample-input.js';
export { valueFor };
import type { SimulatedDevicesOptions } from '../../../main/sim/devices.js';
import { tempDir } from '../../integration/queue/helpers.js';

export interface Recorded {
  method: string;
  path: string;
  body: Buffer;
  status: number;
}

export interface RecordingProxy {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/** Forwards everything to `target` and records each exchange (request body, reply status). */
export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const t = new URL(target);
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = request(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
        (r) => {
          const out: Buffer[] = [];
          r.on('data', (c: Buffer) => out.push(c));
          r.on('end', () => {
            requests.push({ method: req.method ?? '', path: req.url ?? '', body, status: r.statusCode ?? 0 });
            res.writeHead(r.statusCode ?? 502, r.headers);
            res.end(Buffer.concat(out));
          });
        },
      );
      up.on('error', () => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', body, status: 0 });
        res.destroy();
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface MatterKiosk {
  kiosk: SimulatedKiosk;
  platform: PlatformSimulator;
  proxy: RecordingProxy;
  dir: string;
  call<N extends InvokeName>(method: N, params: Params<N>): Promise<ReplyEnvelope['reply']>;
  /** Like call, but fails the test on an error reply. */
  ok<N extends InvokeName>(method: N, params: Params<N>): Promise<void>;
  view(): SessionView;
  waitView(cond: (v: SessionView) => boolean, what: string, ms?: number): Promise<SessionView>;
  waitFor(cond: () => boolean, what: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function waitUntil(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startMatterKiosk(opts: { profile?: Record<string, unknown>; clock?: SimulatedClock; outage?: boolean; devices?: SimulatedDevicesOptions } = {}): Promise<MatterKiosk> {
  const dir = tempDir('matters-core-');
  const platform = await startPlatformSimulator({
    terminals: { 'NX-DEV-0001': DEV_TERMINAL_KEY },
    catalog: SAMPLE_CATALOG,
    certificates: sampleCertificates(DEV_HOLDER_KEY),
    storeFile: join(dir, 'platform.jsonl'),
    ...(opts.outage ? { faults: { outage: true } } : {}),
  });
  const proxy = await recordingProxy(platform.url);
  const file = join(dir, 'kiosk.json');
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: join(dir, 'data'),
      logging: { level: 'warn' },
      platform: { url: proxy.url, probeSeconds: 1, retryBaseMs: 10, retryCapMs: 200, timeoutMs: 2000 },
      ...opts.profile,
    }),
  );
  const kiosk = await startSimulatedKiosk({
    profilePath: file,
    host: 'web',
    deliveryIdleMs: 20,
    caseNumberWaitMs: 3000,
    // The simulated pad answers at once; the kiosk gives up on a missing answer quickly.
    devices: { padProcessingMs: 10, padTimeoutMs: 400, ...opts.devices },
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const core = kiosk.core;
  let id = 0;
  const call = async <N extends InvokeName>(method: N, params: Params<N>): Promise<ReplyEnvelope['reply']> => {
    const r = await dispatch(JSON.stringify({ type: 'request', id: ++id, method, params }), core.handlers, core.log);
    return r.reply;
  };
  const waitView = async (cond: (v: SessionView) => boolean, what: string, ms = 15_000): Promise<SessionView> => {
    await waitUntil(() => cond(core.session.view()), `${what} (screen ${core.session.view().screen}, step ${core.session.view().matter?.step.kind ?? '-'})`, ms);
    return core.session.view();
  };
  return {
    kiosk,
    platform,
    proxy,
    dir,
    call,
    async ok(method, params) {
      const r = await call(method, params);
      if (!r.ok) throw new Error(`${method} refused: ${r.error.code} ${r.error.message}`);
    },
    view: () => core.session.view(),
    waitView,
    waitFor: waitUntil,
    async close() {
      await kiosk.close();
      await proxy.close();
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Case submissions the platform filed (201) or replayed, with their parsed bodies. */
export function caseRequests(p: RecordingProxy): { status: number; body: { kind: string; matterCode: string; form: Record<string, unknown>; attachments: string[]; applicantToken: string } }[] {
  return p.requests.filter((r) => r.method === 'POST' && r.path === '/v1/cases').map((r) => ({ status: r.status, body: JSON.parse(r.body.toString('utf8')) as never }));
}

export function ratingRequests(p: RecordingProxy): { path: string; status: number; body: Record<string, unknown> }[] {
  return p.requests.filter((r) => r.method === 'POST' && /^\/v1\/cases\/[^/]+\/rating$/.test(r.path)).map((r) => ({ path: r.path, status: r.status, body: JSON.parse(r.body.toString('utf8')) as Record<string, unknown> }));
}

// ---- the citizen, through the core's requests ----

export const step = <K extends StepView['kind']>(v: SessionView, kind: K): StepViewOf<K> | null => (v.matter?.step.kind === kind ? (v.matter.step as StepViewOf<K>) : null);
export const stepIs = (kind: string, phase?: string) => (v: SessionView) => v.matter?.step.kind === kind && (phase === undefined || (v.matter.step as { phase?: string }).phase === phase);


/** Places the card and waits for the matter list. */
export async function identify(k: MatterKiosk, sample = 'resident-zhang'): Promise<SessionView> {
  k.kiosk.sim?.placeCard(sample);
  return k.waitView((v) => v.screen === 'welcome' && v.matters !== null, 'the matter list');
}

/** Fills every empty field with a valid value and presses Next. */
export async function fillForm(k: MatterKiosk): Promise<void> {
  const v = await k.waitView(stepIs('form'), 'the form');
  const form = v.matter?.step;
  if (form?.kind !== 'form') throw new Error('not a form');
  for (const f of form.fields) if (f.value === '') await k.ok('matter.input', { key: f.key, value: valueFor(f) });
  await k.ok('matter.next', {});
}

/** Rates, and waits for the goodbye screen. */
export async function rate(k: MatterKiosk, level: 'very-satisfied' | 'dissatisfied' = 'very-satisfied'): Promise<SessionView> {
  await k.waitView(stepIs('review', 'choosing'), 'the rating');
  await k.ok('matter.rate', { level });
  if (level === 'dissatisfied') {
    await k.waitView(stepIs('review', 'reasons'), 'the reasons');
    await k.ok('matter.rateReasons', { reasons: ['too-slow', 'interface-unfriendly'], text: '等了很久' });
  }
  return k.waitView((v) => v.screen === 'finished', 'the goodbye screen');
}

