import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  collectRetentionExports,
  listRetentionExports,
  openOfflineCache,
  writeDeadLetterExport,
  type JournalEntry,
  type OfflineCache,
  type OutboxStats,
} from '../../../offline-cache/index.js';
import { acceptanceNumber, CASE_KIND, Delivery, enqueueSubmission, TERMINAL_ID, TERMINAL_ID_RULE } from '../../core/delivery.js';
import { sealedDeadLetterDocument } from '../../core/queue-admin.js';
import { expireDeadLetters, reconcileJournal } from '../../../offline-cache/index.js';
import { loadProfile, type LoadedProfile } from '../../core/profile.js';
import { PlatformClient } from '../../platform/client.js';
import { parseFaultSpec } from '../../platform/faults.js';
import { startPlatformSimulator } from '../../platform/simulator.js';
import { intOption, UsageError, type Command, type CommandContext } from '../framework.js';
import { output } from '../output.js';

/**
 * Offline queue and platform commands: queue stats|keys|retry|export-dead|selftest|drain,
 * platform ping, platform-sim.
 *
 * Single writer: the kiosk core owns the cache. Inspecting commands (stats, keys, export-dead,
 * retry) open it with `recover: false` and follow the key file without rewriting it, so they are
 * safe while the kiosk runs. selftest and drain deliver, so they open it as its owner (in-flight
 * recovery); run them on a data directory no kiosk is using.
 *
 * Harness protocol (`queue selftest`, the kill test): stdout carries one `committed <key>` line per
 * submission, written synchronously right after its transaction commits and before delivery of that
 * entry can start, so every key that can reach the platform has been printed. A run killed between
 * a commit and its line leaves an unprinted pending entry: the next selftest, and `queue drain`
 * (without --json), print `committed <key>` for every pending test entry BEFORE delivering
 * anything. A harness that collects these lines from all runs therefore sees every key that can
 * ever reach the platform; `queue keys --json` lists the database's view for cross-checks.
 */

export const common = {
  profile: { type: 'string' },
  'data-dir': { type: 'string' },
  'key-file': { type: 'string' },
} as const;
const platformOpts = {
  platform: { type: 'string' },
  terminal: { type: 'string' },
  key: { type: 'string' },
} as const;

export interface Setup {
  loaded: LoadedProfile;
  dataDir: string;
  keyFile: string;
  terminalId: string;
  terminalKey: string;
  platformUrl: string | null;
}

export function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function setupOf(values: Record<string, unknown>): Setup {
  const loaded = loadProfile(str(values, 'profile') ?? process.env.KIOSK_PROFILE ?? null);
  const dir = str(values, 'data-dir');
  const dataDir = dir !== undefined ? resolve(dir) : loaded.dataDir;
  const keyFileArg = str(values, 'key-file');
  const keyFile = keyFileArg !== undefined ? resolve(keyFileArg) : dir !== undefined ? join(dataDir, 'keys', 'seal.json') : loaded.keyFile;
  const key = str(values, 'key') ?? loaded.profile.platform.terminalKey;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length < 16) throw new UsageError('--key must be base64 of at least 16 bytes');
  const terminalId = str(values, 'terminal') ?? loaded.profile.terminalId;
  if (!TERMINAL_ID.test(terminalId)) throw new UsageError(`--terminal: ${TERMINAL_ID_RULE}`);
  return { loaded, dataDir, keyFile, terminalId, terminalKey: key, platformUrl: str(values, 'platform') ?? loaded.profile.platform.url };
}

/**
 * Inspecting open: never creates a cache or a key file, no recovery (the kiosk may be running). A missing
 * or wrong key is a KeyProblemError; the framework prints what happened and how to restore the key.
 */
function openInspect(s: Setup): OfflineCache {
  if (!fs.existsSync(join(s.dataDir, 'kiosk.db'))) throw new Error(`no offline cache in ${s.dataDir} (kiosk.db missing)`);
  return openOfflineCache({ dir: s.dataDir, keyFile: s.keyFile, recover: false, minFreeBytes: 0 });
}

/**
 * Owner open (selftest, drain): creates what is missing — a key file only for an empty cache — recovers
 * in-flight entries, checks the journal's whole chain.
 */
function openOwner(s: Setup, minFreeBytes?: number): OfflineCache {
  const cache = openOfflineCache({
    dir: s.dataDir,
    keyFile: s.keyFile,
    suite: s.loaded.profile.storage.sealing,
    minFreeBytes: minFreeBytes ?? s.loaded.profile.storage.minFreeBytes,
    journal: { hash: s.loaded.profile.storage.journalHash, terminalId: s.terminalId },
  });
  try {
    if (cache.journal !== null) reconcileJournal({ journal: cache.journal, db: cache.db, acceptanceNumberOf: (e) => acceptanceNumber(s.terminalId, e) });
  } catch {
    // The journal is the kiosk's concern at its start (out of service); delivering what is queued stays safe.
  }
  return cache;
}

/** A technician action in the journal (best effort: the action itself already happened). */
function journalAction(cache: OfflineCache, entry: JournalEntry, ctx?: CommandContext): void {
  try {
    if (cache.journal === null) throw cache.journalProblem ?? new Error('no journal');
    cache.journal.append(entry);
  } catch (e) {
    ctx?.err(`kioskctl: the journal record of this action could not be written (${e instanceof Error ? e.message : String(e)})`);
  }
}

const DAY_MS = 86_400_000;

function needPlatform(s: Setup): string {
  if (s.platformUrl === null) throw new UsageError('no platform: give --platform URL (or platform.url in the profile)');
  return s.platformUrl;
}

function clientOf(s: Setup, url: string, timeoutMs = 10_000): PlatformClient {
  return new PlatformClient({ baseUrl: url, terminalId: s.terminalId, key: s.terminalKey, timeoutMs });
}

/** One line on stdout, written synchronously: a SIGKILL right after cannot lose it (a closed pipe drops it quietly). */
export function writeLineSync(line: string): void {
  output.lineSync(line);
}

/**
 * Announce every undelivered (pending) test entry as committed, BEFORE any delivery starts: a
 * previous run may have been killed between its commit and its `committed` line. Returns the count.
 */
function announcePendingTests(cache: OfflineCache): number {
  let n = 0;
  let afterId = 0;
  for (;;) {
    const page = cache.outbox.list('pending', { afterId, limit: 500 });
    if (page.length === 0) return n;
    for (const e of page) {
      if (e.test) {
        writeLineSync(`committed ${e.idempotencyKey}`);
        n++;
      }
    }
    afterId = page[page.length - 1]?.id ?? afterId;
  }
}

/** An age for people: seconds, minutes, hours or days. */
export function ageText(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 2 * 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

interface RetentionView {
  retentionDays: number;
  exportsWaiting: number;
  oldestExportAgeMs: number | null;
}

function statsLines(dataDir: string, s: OutboxStats, free: { freeBytes: number; floorBytes: number; ok: boolean }, r: RetentionView): string[] {
  const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  return [
    `queue in ${dataDir}`,
    `  pending ${s.pending}, in flight ${s.inFlight}, dead letters ${s.dead}, delivered ${s.acked}, expired ${s.expired}`,
    `  oldest undelivered: ${ageText(s.oldestPendingAgeMs)}`,
    `  oldest dead letter: ${ageText(s.oldestDeadAgeMs)} (retention ${r.retentionDays} d: then exported sealed and purged)`,
    ...(r.exportsWaiting > 0
      ? [`  retention exports waiting for a technician: ${r.exportsWaiting} (oldest ${ageText(r.oldestExportAgeMs)}) — kioskctl queue collect --out DIR`]
      : []),
    `  sealed bytes waiting ${mib(s.bytes)}, in dead letters ${mib(s.deadBytes)}`,
    `  free space ${mib(free.freeBytes)} (floor ${mib(free.floorBytes)})${free.ok ? '' : ' — BELOW FLOOR: new submissions refused'}`,
  ];
}

const stats: Command = {
  path: ['queue', 'stats'],
  summary: 'Offline queue counts (pending, in flight, dead, delivered), oldest age, bytes, free space',
  usage: '[--data-dir DIR] [--profile FILE] [--json]',
  options: { ...common },
  run(values) {
    const s = setupOf(values);
    const cache = openInspect(s);
    try {
      const st = cache.outbox.stats();
      const floor = s.loaded.profile.storage.minFreeBytes;
      const fsInfo = fs.statfsSync(s.dataDir);
      const freeBytes = Number(fsInfo.bavail) * Number(fsInfo.bsize);
      const free = { freeBytes, floorBytes: floor, ok: freeBytes >= floor };
      const exports = listRetentionExports(s.dataDir);
      const now = Date.now();
      const retention: RetentionView = {
        retentionDays: s.loaded.profile.storage.deadLetterRetentionDays,
        exportsWaiting: exports.length,
        oldestExportAgeMs: exports[0] === undefined ? null : Math.max(0, now - exports[0].writtenAt),
      };
      return Promise.resolve({ data: { dataDir: s.dataDir, ...st, freeSpace: free, retention }, human: statsLines(s.dataDir, st, free, retention) });
    } finally {
      cache.close();
    }
  },
};

const keys: Command = {
  path: ['queue', 'keys'],
  summary: 'Every idempotency key in the queue with its state (for harnesses and audits; no payloads)',
  usage: '[--data-dir DIR] [--state pending|in_flight|acked|dead] [--json]',
  options: { ...common, state: { type: 'string' } },
  run(values) {
    const s = setupOf(values);
    const want = str(values, 'state');
    const states = ['pending', 'in_flight', 'dead', 'acked'] as const;
    const chosen = want === undefined ? states : states.filter((x) => x === want);
    if (chosen.length === 0) throw new UsageError('--state must be pending, in_flight, acked or dead');
    const cache = openInspect(s);
    try {
      const out: { key: string; state: string; id: number; test: boolean; caseNumber?: string; acceptanceNumber: string }[] = [];
      for (const state of chosen) {
        let afterId = 0;
        for (;;) {
          const page = cache.outbox.list(state, { afterId, limit: 1000 });
          if (page.length === 0) break;
          for (const e of page) {
            out.push({
              key: e.idempotencyKey,
              state: e.state,
              id: e.id,
              test: e.test,
              acceptanceNumber: acceptanceNumber(s.terminalId, e),
              ...(e.platformCaseNumber !== undefined ? { caseNumber: e.platformCaseNumber } : {}),
            });
          }
          afterId = page[page.length - 1]?.id ?? afterId;
        }
      }
      return Promise.resolve({ data: { keys: out }, human: out.map((k) => `${k.state.padEnd(9)} ${k.key}${k.caseNumber ? ` -> ${k.caseNumber}` : ''}`) });
    } finally {
      cache.close();
    }
  },
};

const retry: Command = {
  path: ['queue', 'retry'],
  summary: 'Move dead letters back to the queue (all with --dead, one with --id N)',
  usage: '(--dead | --id N) [--data-dir DIR] [--json]',
  options: { ...common, dead: { type: 'boolean' }, id: { type: 'string' } },
  run(values, ctx) {
    const s = setupOf(values);
    const id = values.id === undefined ? undefined : intOption(values, 'id', 0, 1);
    if (values.dead !== true && id === undefined) {
      throw new UsageError('say what to retry: --dead (every dead letter) or --id N (one dead letter)');
    }
    const cache = openInspect(s);
    try {
      const moved = cache.outbox.retryDead(id);
      journalAction(cache, { type: 'technician-action', action: 'queue-retry', target: id === undefined ? 'all-dead' : `entry-${id}`, count: moved }, ctx);
      return Promise.resolve({ data: { moved }, human: [`${moved} dead letter(s) back in the queue`] });
    } finally {
      cache.close();
    }
  },
};

const exportDead: Command = {
  path: ['queue', 'export-dead'],
  summary: 'Write dead letters, still sealed, to a new file (mode 0600) for a technician',
  usage: '--out FILE [--data-dir DIR] [--json]',
  options: { ...common, out: { type: 'string' } },
  run(values, ctx) {
    const s = setupOf(values);
    const outFile = str(values, 'out');
    if (outFile === undefined) throw new UsageError('--out FILE is required');
    const cache = openInspect(s);
    try {
      const { doc, count } = sealedDeadLetterDocument(cache, new Date(), s.terminalId);
      const abs = resolve(outFile);
      writeDeadLetterExport(abs, doc);
      journalAction(cache, { type: 'technician-action', action: 'dead-letter-export', count }, ctx);
      return Promise.resolve({ data: { out: abs, count }, human: [`${count} dead letter(s) written, still sealed, to ${abs}`] });
    } finally {
      cache.close();
    }
  },
};

const collect: Command = {
  path: ['queue', 'collect'],
  summary: 'Hand the retention exports (expired dead letters, sealed) over: copy them to DIR, then remove them from the terminal',
  usage: '--out DIR [--operator ID] [--data-dir DIR] [--json]',
  options: { ...common, out: { type: 'string' }, operator: { type: 'string' } },
  run(values, ctx) {
    const s = setupOf(values);
    const outDir = str(values, 'out');
    if (outDir === undefined) throw new UsageError('--out DIR is required (e.g. the technician\'s encrypted USB stick)');
    const operator = str(values, 'operator');
    if (operator !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(operator)) throw new UsageError('--operator: letters, digits, . _ : - (at most 64)');
    const abs = resolve(outDir);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new UsageError(`--out ${abs} is not a directory`);
    const cache = openInspect(s);
    try {
      const moved = collectRetentionExports(s.dataDir, abs);
      if (moved.length > 0) journalAction(cache, { type: 'hand-over', what: 'retention-exports', count: moved.length, ...(operator !== undefined ? { operator } : {}) }, ctx);
      return Promise.resolve({ data: { out: abs, files: moved }, human: [`${moved.length} retention export(s) handed over to ${abs} and removed from the terminal`, ...moved.map((m) => `  ${m}`)] });
    } finally {
      cache.close();
    }
  },
};

const expire: Command = {
  path: ['queue', 'expire'],
  summary: "Apply the retention now: dead letters older than the profile's retention are exported sealed to expired/ and purged",
  usage: '[--days N] [--data-dir DIR | --profile FILE] [--json]',
  options: { ...common, days: { type: 'string' } },
  run(values, ctx) {
    const s = setupOf(values);
    const days = intOption(values, 'days', s.loaded.profile.storage.deadLetterRetentionDays, 1, 3650);
    const cache = openInspect(s);
    try {
      const r = expireDeadLetters({
        db: cache.db,
        outbox: cache.outbox,
        attachments: cache.attachments,
        sealer: cache.sealer,
        journal: cache.journal,
        dataDir: s.dataDir,
        retentionMs: days * DAY_MS,
        now: Date.now(),
        acceptanceNumberOf: (e) => acceptanceNumber(s.terminalId, e),
      });
      if (r.unjournaled > 0) ctx.err(`kioskctl: ${r.unjournaled} expiry record(s) could not be journalled`);
      return Promise.resolve({ data: r, human: [`${r.expired} dead letter(s) older than ${days} d exported sealed and purged`, ...r.files.map((f) => `  ${f}`)] });
    } finally {
      cache.close();
    }
  },
};

interface DeliverySetup {
  cache: OfflineCache;
  client: PlatformClient;
  delivery: Delivery;
  counts: { acked: number; replayed: number; retries: number; dead: number };
}

function deliveryOf(s: Setup, cache: OfflineCache, url: string, values: Record<string, unknown>): DeliverySetup {
  const client = clientOf(s, url, intOption(values, 'timeout-ms', 10_000, 100, 600_000));
  const delivery = new Delivery({
    outbox: cache.outbox,
    attachments: cache.attachments,
    client,
    terminalId: s.terminalId,
    backoff: { baseMs: intOption(values, 'retry-base-ms', 50, 1, 60_000), capMs: intOption(values, 'retry-cap-ms', 2000, 1, 3_600_000) },
    concurrency: 2,
    idleMs: 20,
    journal: cache.journal,
  });
  const counts = { acked: 0, replayed: 0, retries: 0, dead: 0 };
  delivery.onResult(({ result }) => {
    if (result.kind === 'acked') {
      counts.acked++;
      if (result.replayed) counts.replayed++;
    } else if (result.kind === 'retry') counts.retries++;
    else counts.dead++;
  });
  return { cache, client, delivery, counts };
}

const deliveryOpts = {
  'timeout-ms': { type: 'string' },
  'retry-base-ms': { type: 'string' },
  'retry-cap-ms': { type: 'string' },
} as const;

const selftest: Command = {
  path: ['queue', 'selftest'],
  summary: 'Queue N synthetic test submissions (a few KB attachment each) and deliver them; prints "committed <key>" per commit',
  usage: '--count N --data-dir DIR --platform URL [--terminal ID --key BASE64] [--attachment-bytes N] [--max-backlog N (0 = unthrottled)] [--json]',
  options: { ...common, ...platformOpts, ...deliveryOpts, count: { type: 'string' }, 'attachment-bytes': { type: 'string' }, 'max-backlog': { type: 'string' } },
  async run(values, ctx: CommandContext) {
    const s = setupOf(values);
    const count = intOption(values, 'count', 100, 1, 10_000_000);
    const attBytes = intOption(values, 'attachment-bytes', 4096, 0, 10 * 1024 * 1024);
    const maxBacklog = intOption(values, 'max-backlog', 16, 0, 1_000_000);
    const url = needPlatform(s);
    const t0 = performance.now();
    const cache = openOwner(s);
    const d = deliveryOf(s, cache, url, values);
    try {
      // Anything a killed run committed but may not have printed is announced before delivery starts.
      const reannounced = announcePendingTests(cache);
      d.delivery.start();
      const run = randomBytes(6).toString('hex');
      let enqueued = 0;
      for (let i = 0; i < count; i++) {
        ctx.signal.throwIfAborted();
        // Deliver as it goes: keep the backlog small so kills land in every phase (enqueue, upload, submit, ack).
        while (maxBacklog > 0) {
          const st = d.delivery.stats();
          if (st.pending + st.inFlight < maxBacklog) break;
          await new Promise<void>((r) => setTimeout(r, 2));
          ctx.signal.throwIfAborted();
        }
        const key = `selftest-${run}-${i}`;
        enqueueSubmission(
          cache.outbox,
          s.terminalId,
          {
            idempotencyKey: key,
            kind: 'matter',
            payload: { matterCode: 'SELFTEST', applicantToken: 'selftest', form: { run, n: i } },
            attachments: attBytes > 0 ? [randomBytes(attBytes)] : [],
            test: true,
          },
          Date.now(),
          { journal: cache.journal },
        );
        // Committed (synchronous=FULL): say so before delivery of this entry can start.
        writeLineSync(`committed ${key}`);
        enqueued++;
        d.delivery.notify();
        await new Promise<void>((r) => setImmediate(r));
      }
      // Let the running loop finish what is queued (stopping it mid-request would cost a replay).
      let final = d.delivery.stats();
      while (final.pending + final.inFlight > 0) {
        await new Promise<void>((r) => setTimeout(r, 20));
        ctx.signal.throwIfAborted();
        final = d.delivery.stats();
      }
      const data = { enqueued, reannounced, delivered: d.counts.acked, replayed: d.counts.replayed, retries: d.counts.retries, dead: final.dead, pending: final.pending, elapsedMs: Math.round(performance.now() - t0) };
      return {
        data,
        human: [`selftest: ${enqueued} queued, ${data.delivered} delivered (${data.replayed} replays absorbed, ${data.retries} retries), ${data.dead} dead, ${data.elapsedMs} ms`],
        ...(final.dead > 0 ? { failure: `${final.dead} dead letter(s): see kioskctl queue stats` } : {}),
      };
    } finally {
      await d.delivery.stop();
      d.client.close();
      cache.close();
    }
  },
};

const drain: Command = {
  path: ['queue', 'drain'],
  summary: 'Deliver everything pending; exit 0 when nothing is left, non-zero if dead letters remain',
  usage: '--data-dir DIR --platform URL [--terminal ID --key BASE64] [--timeout SECONDS] [--json]',
  options: { ...common, ...platformOpts, ...deliveryOpts, timeout: { type: 'string' } },
  async run(values, ctx) {
    const s = setupOf(values);
    const url = needPlatform(s);
    const timeoutSec = intOption(values, 'timeout', 0, 0, 7 * 86_400);
    const t0 = performance.now();
    const cache = openOwner(s, 0);
    const d = deliveryOf(s, cache, url, values);
    // A controller and a ref'd timer, not AbortSignal.any(AbortSignal.timeout()): Node 20 can garbage-collect
    // the timeout signal inside any(), and then the timeout never fires (seen as a drain that never gave up).
    const deadline = new AbortController();
    const onStop = (): void => deadline.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onStop, { once: true });
    const timer = timeoutSec > 0 ? setTimeout(() => deadline.abort(new Error(`timed out after ${timeoutSec} s`)), timeoutSec * 1000) : undefined;
    const signal = deadline.signal;
    try {
      // Test entries a killed selftest committed but may not have printed (harnesses read these lines).
      const announced = ctx.json ? 0 : announcePendingTests(cache);
      let final: OutboxStats;
      try {
        final = await d.delivery.drain(signal);
      } catch (e) {
        if (!signal.aborted || ctx.signal.aborted) throw e;
        const st = cache.outbox.stats();
        return { data: { ok: false, ...st, delivered: d.counts.acked }, failure: `timed out after ${timeoutSec} s with ${st.pending + st.inFlight} undelivered` };
      }
      const data = { ok: final.dead === 0, delivered: d.counts.acked, replayed: d.counts.replayed, retries: d.counts.retries, announced, pending: final.pending, dead: final.dead, acked: final.acked, elapsedMs: Math.round(performance.now() - t0) };
      return {
        data,
        human: [`drain: ${data.delivered} delivered (${data.replayed} replays absorbed, ${data.retries} retries); pending 0, dead letters ${final.dead}`],
        ...(final.dead > 0 ? { failure: `only dead letters remain (${final.dead}): fix the cause, then kioskctl queue retry --dead` } : {}),
      };
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onStop);
      await d.delivery.stop();
      d.client.close();
      cache.close();
    }
  },
};

const ping: Command = {
  path: ['platform', 'ping'],
  summary: 'Signed GET /v1/health against the platform; prints the round trip',
  usage: '[--platform URL] [--terminal ID --key BASE64] [--json]',
  options: { profile: common.profile, ...platformOpts, 'timeout-ms': { type: 'string' } },
  async run(values, ctx) {
    const s = setupOf(values);
    const url = needPlatform(s);
    const client = clientOf(s, url, intOption(values, 'timeout-ms', 5000, 100, 600_000));
    try {
      const t0 = performance.now();
      const out = await client.health(ctx.signal);
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      if (out.kind === 'ok') return { data: { ok: true, url, status: out.value.status, time: out.value.time, ms }, human: [`platform ${url}: ${out.value.status} in ${ms} ms`] };
      const why = out.kind === 'permanent' ? `${out.status} ${out.code}` : [out.reason, out.status, out.code].filter((x) => x !== undefined).join(' ');
      return { data: { ok: false, url, outcome: out.kind, reason: why, ms }, failure: `platform ${url} unreachable or refusing: ${why}` };
    } finally {
      client.close();
    }
  },
};

const platformSim: Command = {
  path: ['platform-sim'],
  summary: 'Run the platform simulator in the foreground until SIGINT/SIGTERM; prints its URL',
  usage: '[--port N] [--fault SPEC] [--store FILE] [--terminal ID --key BASE64] [--seed N] [--json]',
  options: { profile: common.profile, port: { type: 'string' }, fault: { type: 'string' }, store: { type: 'string' }, seed: { type: 'string' }, terminal: { type: 'string' }, key: { type: 'string' } },
  async run(values, ctx) {
    const s = setupOf(values);
    const port = intOption(values, 'port', 0, 0, 65535);
    const spec = str(values, 'fault');
    let faults;
    try {
      faults = spec === undefined ? undefined : parseFaultSpec(spec);
    } catch (e) {
      throw new UsageError(`--fault: ${e instanceof Error ? e.message : String(e)}`);
    }
    const store = str(values, 'store');
    const sim = await startPlatformSimulator({
      port,
      host: '127.0.0.1',
      terminals: { [s.terminalId]: s.terminalKey },
      ...(store !== undefined ? { storeFile: resolve(store) } : {}),
      ...(faults !== undefined ? { faults } : {}),
      ...(values.seed !== undefined ? { seed: intOption(values, 'seed', 0) } : {}),
    });
    writeLineSync(ctx.json ? JSON.stringify({ url: sim.url, port: sim.port, terminal: s.terminalId }) : `platform simulator listening at ${sim.url} (terminal ${s.terminalId})`);
    await new Promise<void>((r) => {
      if (ctx.signal.aborted) r();
      else ctx.signal.addEventListener('abort', () => r(), { once: true });
    });
    const st = sim.stats();
    await sim.close();
    return { data: { stopped: true, cases: st.cases, requests: st.requests }, human: [`platform simulator stopped (${st.cases} cases, ${st.requests} requests)`] };
  },
};

export const commands: Command[] = [stats, keys, retry, exportDead, collect, expire, selftest, drain, ping, platformSim];

/** The outbox kind selftest and the core use (re-exported for tests). */
export { CASE_KIND };
