/**
 * kioskctl commands that go through the running core's control socket (tech.* in main/contract/tech.ts):
 * devices, printer test, id-card read, queue, service out/in, platform, logs — and `tech pin-hash`,
 * which needs no core at all. Every command prints a person's view, or the contract's result with --json.
 *
 * What happens without a running core is declared per command (`withoutCore`) and applied by routing.ts:
 * device commands need an explicit --direct, queue inspection works on the database directly, and commands
 * that only a core can do say so.
 */
import { createInterface } from 'node:readline';
import type {
  DeviceDayCounters,
  HealthResult,
  NextAction,
  QueueStats,
  TechDevice,
  TechServiceState,
  TraceEntry,
} from '../../contract/index.js';
import { hashPin } from '../../core/pin.js';
import { tailLines } from '../../core/log-tail.js';
import { join } from 'node:path';
import { locate } from '../core-client.js';
import type { CoreClient } from '../core-client.js';
import { UsageError, intOption, requiredString, type Command, type CommandContext, type CommandResult } from '../framework.js';

export interface CoreCommand {
  path: string[];
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  positionals?: readonly string[];
  /**
   * Without a running core: 'direct-flag' = the direct (hardware) command of routing.ts runs only with --direct;
   * 'direct' = the direct command runs (safe beside no core: reading the database); 'refuse' = only a core can.
   */
  withoutCore: 'direct-flag' | 'direct' | 'refuse';
  run(values: Record<string, unknown>, ctx: CommandContext, core: CoreClient): Promise<CommandResult>;
}

// ------------------------------------------------------------------ words for people

export const KIND_WORDS: Record<TechDevice['kind'], string> = {
  'id-card': '身份证阅读器 ID card reader',
  'receipt-printer': '回执打印机 receipt printer',
  scanner: '扫描仪 scanner',
  payment: '支付终端 payment pad',
  'qr-reader': '扫码器 QR reader',
};
export const STATE_WORDS: Record<TechDevice['state'], string> = {
  online: '在线 online',
  offline: '离线 offline (reconnecting)',
  busy: '忙 busy',
  error: '故障 error',
  'no-device': '未连接 no device',
};
export const ACTION_WORDS: Record<NextAction, string> = {
  retry: '请重试 try again',
  reset: '需复位 reset the device',
  clear: '工作人员可处理 staff can fix it',
  maintenance: '需工程师维修 call an engineer',
  wait: '正在自动恢复 wait, it recovers by itself',
};
const SERVICE_WORDS: Record<TechServiceState['state'], string> = {
  'in-service': '服务中 in service',
  closing: '即将暂停 closing',
  'out-of-service': '暂停服务 out of service',
};

function deviceLines(list: readonly TechDevice[]): string[] {
  const out = [`设备 Devices (${list.length})`];
  for (const d of list) {
    const action = d.nextAction ? ` — ${ACTION_WORDS[d.nextAction]}${d.lastError ? `: ${d.lastError.message}` : ''}` : '';
    const warn = d.warnings.length ? ` [${d.warnings.join(', ')}]` : '';
    out.push(`  ${d.id.padEnd(16)} ${KIND_WORDS[d.kind]} · ${STATE_WORDS[d.state]}${warn}${action}`);
    out.push(`  ${''.padEnd(16)} ${d.info.transport}${d.info.path ? ` ${d.info.path}` : ''}${d.info.model ? ` · ${d.info.model}` : ''}${d.info.serial ? ` · ${d.info.serial}` : ''}`);
  }
  return out;
}

function serviceLines(s: TechServiceState): string[] {
  const out = [`服务 Service: ${SERVICE_WORDS[s.state]} (screen ${s.screen})`];
  for (const h of s.holds) {
    const by = h.by?.kind === 'pin' ? ` by PIN slot ${h.by.slot}` : h.by?.kind === 'socket' ? ` by ${h.by.user}` : '';
    out.push(`  ${h.source}: ${h.reason} (since ${new Date(h.since).toISOString()}${by})`);
  }
  if (s.closing) out.push(`  closing ${s.closing.mode === 'now' ? `now (session ends at ${new Date(s.closing.deadline ?? 0).toISOString()})` : 'after the current citizen finishes'}`);
  return out;
}

function healthLines(r: readonly HealthResult[]): string[] {
  return r.map((h) => `  ${h.ok ? '正常 OK    ' : '异常 FAILED'} ${h.device} (${h.level}): ${h.text}`);
}

function statsLines(s: QueueStats): string[] {
  const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  return [
    `  pending ${s.pending}, in flight ${s.inFlight}, dead letters ${s.dead}, delivered ${s.acked}`,
    `  oldest undelivered: ${s.oldestPendingAgeMs === null ? '-' : `${Math.round(s.oldestPendingAgeMs / 1000)} s`}`,
    `  sealed bytes waiting ${mib(s.bytes)}, in dead letters ${mib(s.deadBytes)}`,
    `  free space ${mib(s.freeSpace.freeBytes)} (floor ${mib(s.freeSpace.floorBytes)})${s.freeSpace.ok ? '' : ' — BELOW FLOOR: new submissions refused'}`,
  ];
}

function traceLines(device: string, t: readonly TraceEntry[]): string[] {
  if (t.length === 0) return [`${device}: no frames yet`];
  return [`${device}: last ${t.length} frame(s), oldest first (headers only, never citizen data)`, ...t.map((e) => `  ${new Date(e.at).toISOString()} ${e.dir === 'tx' ? '→' : '←'} ${e.name}${e.repeat > 1 ? ` ×${e.repeat}` : ''} (${e.length} B) ${e.header}`)];
}

function counterLines(rows: readonly DeviceDayCounters[]): string[] {
  if (rows.length === 0) return ['no usage counted yet'];
  return rows.map((r) => `  ${r.day} ${r.device.padEnd(16)} ${Object.entries(r.counters).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
}

const where = { profile: { type: 'string' }, 'data-dir': { type: 'string' } } as const;

// ------------------------------------------------------------------ devices

const devicesList: CoreCommand = {
  path: ['devices', 'list'],
  summary: 'The kiosk’s devices from the running core: state, next action, info (--direct: the serial ports and HID devices of this machine)',
  usage: '[--data-dir DIR | --profile FILE] [--direct] [--json]',
  options: { ...where },
  withoutCore: 'direct-flag',
  async run(_v, ctx, core) {
    const list = await core.call('tech.devices.list', {}, { signal: ctx.signal });
    return { data: list, human: deviceLines(list) };
  },
};

const devicesStatus: CoreCommand = {
  path: ['devices', 'status'],
  summary: 'One device (or all) with its counters today and its last error',
  usage: '[DEVICE] [--data-dir DIR] [--json]',
  options: { ...where },
  positionals: ['device'],
  withoutCore: 'refuse',
  async run(values, ctx, core) {
    const id = typeof values.device === 'string' ? values.device : undefined;
    const list = (await core.call('tech.devices.list', {}, { signal: ctx.signal })).filter((d) => id === undefined || d.id === id);
    if (id !== undefined && list.length === 0) throw new UsageError(`no device "${id}"`);
    const counters = await core.call('tech.devices.counters', { days: 1, ...(id !== undefined ? { device: id } : {}) }, { signal: ctx.signal });
    const data = list.map((d) => ({ ...d, today: counters.find((c) => c.device === d.id)?.counters ?? {} }));
    return { data: id !== undefined ? data[0] : data, human: [...deviceLines(list), ...counterLines(counters)] };
  },
};

const devicesHealth: CoreCommand = {
  path: ['devices', 'health'],
  summary: 'Health checks (UnifiedPOS levels): internal (no physical change), external, interactive (prints / needs a card)',
  usage: '[DEVICE] [--level internal|external|interactive] [--data-dir DIR] [--json]',
  options: { ...where, level: { type: 'string' } },
  positionals: ['device'],
  withoutCore: 'refuse',
  async run(values, ctx, core) {
    const level = values.level === undefined ? 'internal' : String(values.level);
    if (level !== 'internal' && level !== 'external' && level !== 'interactive') throw new UsageError('--level must be internal, external or interactive');
    const device = typeof values.device === 'string' ? values.device : undefined;
    const r = await core.call('tech.devices.health', { level, ...(device !== undefined ? { device } : {}) }, { signal: ctx.signal, timeoutMs: 130_000 });
    const bad = r.filter((h) => !h.ok);
    return { data: r, human: healthLines(r), ...(bad.length ? { failure: `${bad.map((h) => h.device).join(', ')} failed the ${level} check` } : {}) };
  },
};

const devicesCounters: CoreCommand = {
  path: ['devices', 'counters'],
  summary: 'Usage counters per device and day, kept across restarts (cards read, receipts, cuts, paper-outs, link drops…)',
  usage: '[DEVICE] [--days 1] [--data-dir DIR] [--json]',
  options: { ...where, days: { type: 'string' } },
  positionals: ['device'],
  withoutCore: 'refuse',
  async run(values, ctx, core) {
    const days = intOption(values, 'days', 1, 1, 366);
    const device = typeof values.device === 'string' ? values.device : undefined;
    const rows = await core.call('tech.devices.counters', { days, ...(device !== undefined ? { device } : {}) }, { signal: ctx.signal });
    return { data: rows, human: counterLines(rows) };
  },
};

const devicesTrace: CoreCommand = {
  path: ['devices', 'trace'],
  summary: 'The last protocol frames of a device: time, direction, command or status, length, header hex (never citizen data)',
  usage: 'DEVICE [--limit 50] [--data-dir DIR] [--json]',
  options: { ...where, limit: { type: 'string' } },
  positionals: ['device'],
  withoutCore: 'refuse',
  async run(values, ctx, core) {
    const device = requiredString(values, 'device');
    const limit = intOption(values, 'limit', 50, 1, 500);
    const t = await core.call('tech.devices.trace', { device, limit }, { signal: ctx.signal });
    return { data: t, human: traceLines(device, t) };
  },
};

// ------------------------------------------------------------------ device tests

const printerTest: CoreCommand = {
  path: ['printer', 'test'],
  summary: 'Prints the test receipt on the kiosk’s printer through the core (--direct --port PATH: on a printer no core holds)',
  usage: '[--data-dir DIR] [--json]  |  --direct --port PATH [--width 58|80] [--baud 115200]',
  options: { ...where },
  withoutCore: 'direct-flag',
  async run(_v, ctx, core) {
    const r = await core.call('tech.printer.test', {}, { signal: ctx.signal, timeoutMs: 40_000 });
    return { data: r, human: [`已打印 Printed: test receipt on ${r.device}`, ...r.warnings.map((w) => `警告 Warning: ${w}`)] };
  },
};

const printerStatus: CoreCommand = {
  path: ['printer', 'status'],
  summary: 'The kiosk printer’s state as the core sees it (--direct --port PATH: DLE EOT on a printer no core holds)',
  usage: '[--data-dir DIR] [--json]  |  --direct --port PATH [--baud 115200]',
  options: { ...where },
  withoutCore: 'direct-flag',
  async run(_v, ctx, core) {
    const p = (await core.call('tech.devices.list', {}, { signal: ctx.signal })).find((d) => d.kind === 'receipt-printer');
    if (!p) throw new UsageError('this kiosk has no receipt printer');
    return { data: p, human: deviceLines([p]) };
  },
};

const idCardRead: CoreCommand = {
  path: ['id-card', 'read'],
  summary: 'Test card read through the core’s reader: card type, masked number, check digit (no session starts; --direct --port PATH: full read on a reader no core holds)',
  usage: '[--timeout 30] [--data-dir DIR] [--json]  |  --direct --port PATH [--photo]',
  options: { ...where, timeout: { type: 'string' } },
  withoutCore: 'direct-flag',
  async run(values, ctx, core) {
    // Seconds through the core (as the screen); the direct read keeps its milliseconds.
    const raw = values.timeout === undefined ? 30 : intOption(values, 'timeout', 30, 1, 600_000);
    const timeoutSeconds = Math.min(120, raw >= 1000 ? Math.ceil(raw / 1000) : raw);
    ctx.err(`请放置身份证 Place a card on the reader (within ${timeoutSeconds} s; lift and replace a card that is already there)`);
    const r = await core.call('tech.idCard.read', { timeoutSeconds }, { signal: ctx.signal, timeoutMs: (timeoutSeconds + 10) * 1000 });
    return {
      data: r,
      human: [
        `证件类型 Card type: ${r.cardType}`,
        `证件号码 Number: ${r.maskedId} (${r.idNumberValid ? '校验正确 check digit OK' : '校验错误 check digit WRONG'})`,
        `有效期 Validity: ${r.expired ? '已过期 expired' : '有效 valid'}`,
        `照片 Photo: ${r.photoBytes === null ? '无 none' : `${r.photoBytes} bytes`}`,
        `读卡用时 Read in ${r.ms} ms`,
      ],
    };
  },
};

// ------------------------------------------------------------------ queue

const queueStats: CoreCommand = {
  path: ['queue', 'stats'],
  summary: 'Offline queue counts (pending, in flight, dead, delivered), oldest age, bytes, free space',
  usage: '[--data-dir DIR] [--profile FILE] [--json]',
  options: { ...where },
  withoutCore: 'direct',
  async run(_v, ctx, core) {
    const s = await core.call('tech.queue.stats', {}, { signal: ctx.signal });
    return { data: s, human: [`queue of the running core (${core.terminalId})`, ...statsLines(s)] };
  },
};

const queueKeys: CoreCommand = {
  path: ['queue', 'keys'],
  summary: 'Every idempotency key in the queue with its state (for harnesses and audits; no payloads)',
  usage: '[--data-dir DIR] [--state pending|in_flight|acked|dead] [--json]',
  options: { ...where, state: { type: 'string' } },
  withoutCore: 'direct',
  async run(values, ctx, core) {
    const want = values.state === undefined ? undefined : String(values.state);
    if (want !== undefined && !['pending', 'in_flight', 'acked', 'dead'].includes(want)) throw new UsageError('--state must be pending, in_flight, acked or dead');
    const state = want as 'pending' | 'in_flight' | 'acked' | 'dead' | undefined;
    const keys: { key: string; state: string; id: number; test: boolean; caseNumber?: string; acceptanceNumber: string }[] = [];
    let afterId = 0;
    for (;;) {
      const page = await core.call('tech.queue.keys', { ...(state ? { state } : {}), afterId, limit: 1000 }, { signal: ctx.signal });
      keys.push(...page.keys);
      if (!page.more || !state) break; // paging by id is per state
      afterId = page.keys[page.keys.length - 1]?.id ?? afterId;
    }
    return { data: { keys }, human: keys.map((k) => `${k.state.padEnd(9)} ${k.key}${k.caseNumber ? ` -> ${k.caseNumber}` : ''}`) };
  },
};

const queueRetry: CoreCommand = {
  path: ['queue', 'retry'],
  summary: 'Move dead letters back to the queue (all with --dead, one with --id N); the core delivers them at once',
  usage: '(--dead | --id N) [--data-dir DIR] [--json]',
  options: { ...where, dead: { type: 'boolean' }, id: { type: 'string' } },
  withoutCore: 'direct',
  async run(values, ctx, core) {
    const id = values.id === undefined ? undefined : intOption(values, 'id', 0, 1);
    if (values.dead !== true && id === undefined) throw new UsageError('say what to retry: --dead (every dead letter) or --id N (one dead letter)');
    const r = await core.call('tech.queue.retry', id !== undefined ? { id } : { all: true }, { signal: ctx.signal });
    return { data: r, human: [`${r.moved} dead letter(s) back in the queue`] };
  },
};

const queueExportDead: CoreCommand = {
  path: ['queue', 'export-dead'],
  summary: 'Write dead letters, still sealed, to a new file (mode 0600) for a technician',
  usage: '--out FILE [--data-dir DIR] [--json]',
  options: { ...where, out: { type: 'string' } },
  withoutCore: 'direct',
  async run(values, ctx, core) {
    const out = requiredString(values, 'out');
    const r = await core.call('tech.queue.exportDead', {}, { signal: ctx.signal, timeoutMs: 120_000 });
    // The core writes into its own exports folder (group-readable by technicians); we copy it where asked.
    const { copyFileSync, constants, chmodSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const abs = resolve(out);
    copyFileSync(r.file, abs, constants.COPYFILE_EXCL);
    chmodSync(abs, 0o600);
    return { data: { out: abs, count: r.count, coreFile: r.file }, human: [`${r.count} dead letter(s) written, still sealed, to ${abs}`] };
  },
};

const queueDrainNow: CoreCommand = {
  path: ['queue', 'drain-now'],
  summary: 'Ask the running core to deliver everything pending now (its own delivery loop); waits until nothing is pending',
  usage: '[--timeout 60] [--data-dir DIR] [--json]',
  options: { ...where, timeout: { type: 'string' } },
  withoutCore: 'refuse',
  async run(values, ctx, core) {
    const timeoutSeconds = intOption(values, 'timeout', 60, 1, 3600);
    const r = await core.call('tech.queue.drainNow', { timeoutSeconds }, { signal: ctx.signal, timeoutMs: (timeoutSeconds + 15) * 1000 });
    const s = r.stats;
    return {
      data: r,
      human: [r.drained ? 'drain-now: nothing pending' : `drain-now: still ${s.pending + s.inFlight} undelivered after ${timeoutSeconds} s`, ...statsLines(s)],
      ...(r.drained ? (s.dead > 0 ? { failure: `only dead letters remain (${s.dead}): fix the cause, then kioskctl queue retry --dead` } : {}) : { failure: `not drained within ${timeoutSeconds} s` }),
    };
  },
};

// ------------------------------------------------------------------ maintenance hand-over

const serviceOut: CoreCommand = {
  path: ['service', 'out'],
  summary: 'Take the kiosk out of service: a citizen in the middle of a matter finishes it (--now: told on screen, then ended safely)',
  usage: '--reason TEXT [--now] [--data-dir DIR] [--json]',
  options: { ...where, reason: { type: 'string' }, now: { type: 'boolean' } },
  withoutCore: 'refuse',
  async run(values, ctx, core) {
    const reason = requiredString(values, 'reason');
    const s = await core.call('tech.service.out', { reason, now: values.now === true }, { signal: ctx.signal });
    return { data: s, human: serviceLines(s) };
  },
};

const serviceIn: CoreCommand = {
  path: ['service', 'in'],
  summary: 'Back in service after the health checks pass (refuses naming the failing device; --force overrides device failures, never storage)',
  usage: '[--force] [--data-dir DIR] [--json]',
  options: { ...where, force: { type: 'boolean' } },
  withoutCore: 'refuse',
  async run(values, ctx, core) {
    const r = await core.call('tech.service.in', { force: values.force === true }, { signal: ctx.signal, timeoutMs: 60_000 });
    if (!r.ok) {
      return {
        data: r,
        human: [...healthLines(r.checks), ...serviceLines(r.state)],
        failure: `still out of service: ${r.failing.map((f) => `${f.device} (${f.text})`).join('; ')}`,
      };
    }
    return { data: r, human: [...healthLines(r.checks), ...(r.forced ? ['forced back in service despite failed checks (journalled)'] : []), ...serviceLines(r.state)] };
  },
};

const serviceStatus: CoreCommand = {
  path: ['service', 'status'],
  summary: 'In service, closing or out of service, and why',
  usage: '[--data-dir DIR] [--json]',
  options: { ...where },
  withoutCore: 'refuse',
  async run(_v, ctx, core) {
    const s = await core.call('tech.state', {}, { signal: ctx.signal });
    return { data: s.service, human: serviceLines(s.service) };
  },
};

// ------------------------------------------------------------------ platform, journal, logs

const platformPing: CoreCommand = {
  path: ['platform', 'ping'],
  summary: 'Signed GET /v1/health against the platform (through the core when it runs); prints the round trip',
  usage: '[--data-dir DIR | --profile FILE] [--platform URL] [--json]',
  options: { ...where },
  withoutCore: 'direct',
  async run(_v, ctx, core) {
    const r = await core.call('tech.platform.check', {}, { signal: ctx.signal });
    if (!r.reachable) return { data: { ok: false, ...r }, failure: `platform ${r.url ?? '(none)'} unreachable or refusing: ${r.problem ?? ''}` };
    return { data: { ok: true, ...r }, human: [`platform ${r.url ?? ''}: ok in ${r.ms} ms`] };
  },
};

const platformClock: CoreCommand = {
  path: ['platform', 'clock'],
  summary: 'Clock offset to the platform (its time minus ours) and the catalog version in use',
  usage: '[--data-dir DIR] [--json]',
  options: { ...where },
  withoutCore: 'refuse',
  async run(_v, ctx, core) {
    const r = await core.call('tech.platform.check', {}, { signal: ctx.signal });
    if (!r.reachable || r.clockOffsetMs === null) return { data: r, failure: `no clock offset: ${r.problem ?? 'the platform sent no time'}` };
    const off = r.clockOffsetMs;
    const big = Math.abs(off) > 60_000;
    return {
      data: r,
      human: [`platform time ${r.platformTime ?? '-'}; offset ${off >= 0 ? '+' : ''}${off} ms (${off >= 0 ? 'we are behind' : 'we are ahead'})${big ? ' — more than a minute: fix the kiosk clock (NTP)' : ''}`, `catalog version ${r.catalogVersion ?? '(none cached)'}`],
      ...(big ? { failure: 'the kiosk clock is off by more than a minute' } : {}),
    };
  },
};

const logsTail: CoreCommand = {
  path: ['logs', 'tail'],
  summary: 'The last lines of the core’s log (redacted: no citizen data)',
  usage: '[--lines 50] [--data-dir DIR] [--json]',
  options: { ...where, lines: { type: 'string' } },
  withoutCore: 'direct',
  async run(values, ctx, core) {
    const lines = intOption(values, 'lines', 50, 1, 500);
    const r = await core.call('tech.logs.tail', { lines }, { signal: ctx.signal });
    return { data: r, human: r.lines };
  },
};

export const coreCommands: CoreCommand[] = [
  devicesList,
  devicesStatus,
  devicesHealth,
  devicesCounters,
  devicesTrace,
  printerTest,
  printerStatus,
  idCardRead,
  queueStats,
  queueKeys,
  queueRetry,
  queueExportDead,
  queueDrainNow,
  serviceOut,
  serviceIn,
  serviceStatus,
  platformPing,
  platformClock,
  logsTail,
];

// ------------------------------------------------------------------ tech pin-hash (no core needed)

async function readPin(ctx: CommandContext, fromStdin: boolean): Promise<string> {
  const interactive = process.stdin.isTTY === true && !fromStdin;
  const rl = createInterface({ input: process.stdin, output: interactive ? process.stderr : undefined, terminal: interactive });
  const lines: string[] = [];
  const ask = (prompt: string): Promise<string> =>
    new Promise((resolveLine, reject) => {
      if (interactive) process.stderr.write(prompt);
      const onClose = (): void => reject(new UsageError('no PIN on stdin'));
      rl.once('close', onClose);
      rl.once('line', (l) => {
        rl.off('close', onClose);
        if (interactive) process.stderr.write('\n');
        resolveLine(l.trim());
      });
    });
  try {
    if (interactive) {
      // Do not echo the digits.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
      lines.push(await ask('新密码 New PIN (4-12 digits): '));
      lines.push(await ask('再输一次 Again: '));
      if (lines[0] !== lines[1]) throw new UsageError('the two PINs differ');
    } else {
      lines.push(await ask(''));
    }
  } finally {
    rl.close();
  }
  ctx.signal.throwIfAborted();
  return lines[0] ?? '';
}

export const pinHash: Command = {
  path: ['tech', 'pin-hash'],
  summary: 'Makes the scrypt hash of a technician PIN for the profile (technician.pins); reads the PIN from the terminal or stdin',
  usage: '[--slot NAME] [--stdin] [--json]',
  options: { slot: { type: 'string' }, stdin: { type: 'boolean' } },
  async run(values, ctx) {
    const slot = typeof values.slot === 'string' ? values.slot : 'site';
    if (!/^[A-Za-z0-9._-]{1,40}$/.test(slot)) throw new UsageError('--slot: letters, digits, dot, dash or underscore, at most 40');
    const pin = await readPin(ctx, values.stdin === true);
    let hash: string;
    try {
      hash = await hashPin(pin);
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const entry = { slot, hash };
    return { data: entry, human: ['Add this to the profile’s technician.pins (the PIN itself is stored nowhere):', JSON.stringify(entry)] };
  },
};

/** `logs tail` with no core running: the log file itself (written redacted). */
export const logsTailDirect: Command = {
  path: ['logs', 'tail'],
  summary: logsTail.summary,
  usage: logsTail.usage,
  options: logsTail.options,
  run(values) {
    const lines = intOption(values, 'lines', 50, 1, 500);
    const file = join(locate(values).dataDir, 'logs', 'kiosk.log');
    return Promise.resolve({ data: { lines: tailLines(file, lines) }, human: tailLines(file, lines) });
  },
};
