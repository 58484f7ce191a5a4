/**
 * Device commands for technicians: read an ID card, query / test / use a receipt printer,
 * run a device simulator on a serial link, list serial and HID devices.
 *
 * `id-card read` prints the citizen's data to the technician's terminal: that is its purpose.
 * Nothing here writes it to a log. Errors are typed DeviceErrors; the framework turns each into
 * one line and a non-zero exit.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DeviceError, isDeviceError, type DeviceErrorSummary, type Unsubscribe } from '../../../drivers/device.js';
import { HEADER_LENGTH, MAX_LEN, parseResponse, type ResponseFrame, type SamProtocolError } from '../../../drivers/id-card/protocol/frame.js';
import { encodeReadReplyData } from '../../../drivers/id-card/protocol/read-reply.js';
import { nationName } from '../../../drivers/id-card/protocol/text.js';
import { readCardOnce } from '../../../drivers/id-card/reader.js';
import { SAMPLE_IDENTITIES, sampleRecord } from '../../../drivers/id-card/samples.js';
import { IdCardSimulator, type SimulatorFaults as IdCardFaults } from '../../../drivers/id-card/simulator.js';
import { CARD_TYPES, type CardType, type IdentityRecord } from '../../../drivers/id-card/types.js';
import {
  EscPosPrinter,
  PrinterSimulator,
  printerFaults,
  printerWarnings,
  renderSvg,
  testReceipt,
  textReceipt,
  wouldPrint,
  type PrinterFaultName,
  type PrinterStatus,
  type ProfileName,
  type SimulatorFaults as PrinterFaults,
} from '../../../drivers/receipt-printer/index.js';
import { listHidDevices } from '../../../drivers/transport/hid.js';
import { FrameReader } from '../../../drivers/transport/frame-reader.js';
import { SerialOpener, SerialTransport, listSerialPorts } from '../../../drivers/transport/serial.js';
import type { Transport } from '../../../drivers/transport/transport.js';
import { UsageError, describeError, intOption, requiredString, type Command, type CommandContext } from '../framework.js';
import { baudOption, controlLines, eventOut, faultOption, portOption, serveSimulator, widthOption } from './common.js';

// ------------------------------------------------------------------ id-card read

const CARD_TYPE_LABEL: Record<CardType, string> = {
  resident: '居民身份证 resident ID card',
  'hk-mo-tw-residence': '港澳台居民居住证 HK/Macau/Taiwan residence permit',
  'foreign-permanent': '外国人永久居留身份证（旧版） foreign permanent resident card (old)',
  'foreign-permanent-2023': '外国人永久居留身份证（2023版） foreign permanent resident card (2023)',
};

/** The record as the command prints it: every field of the card, the photo as its size (base64 only when asked). */
export type CardJson = Omit<IdentityRecord, 'photo'> & { photo: { format: 'wlt'; bytes: number; base64?: string } | null };

export function cardToJson(r: IdentityRecord, withPhoto: boolean): CardJson {
  const { photo, ...fields } = r;
  const present = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Omit<IdentityRecord, 'photo'>;
  return {
    ...present,
    photo: photo ? { format: 'wlt', bytes: photo.bytes.length, ...(withPhoto ? { base64: Buffer.from(photo.bytes).toString('base64') } : {}) } : null,
  };
}

function cardLines(c: CardJson): string[] {
  const lines: [string, string][] = [['证件类型 Card type', CARD_TYPE_LABEL[c.cardType]], ['姓名 Name', c.name]];
  if (c.nameEn !== undefined) lines.push(['英文姓名 English name', c.nameEn]);
  lines.push(['性别 Gender', c.gender === 'male' ? '男 male' : '女 female']);
  if (c.nationCode !== null) lines.push(['民族 Ethnic group', `${nationName(c.nationCode) ?? '?'} (${c.nationCode})`]);
  if (c.nationality !== undefined) lines.push(['国籍 Nationality', c.nationality]);
  lines.push(['出生日期 Date of birth', c.birthDate]);
  if (c.address !== '') lines.push(['住址 Address', c.address]);
  lines.push([
    c.cardType === 'foreign-permanent' ? '证件号码 Card number' : '公民身份号码 ID number',
    `${c.idNumber} (${c.idNumberValid ? '校验正确 check digit OK' : '校验错误 check digit WRONG'})`,
  ]);
  if (c.passNumber !== undefined) lines.push(['通行证号码 Pass number', c.passNumber]);
  if (c.issueCount !== undefined) lines.push(['签发次数 Issue count', String(c.issueCount)]);
  if (c.cardVersion !== undefined) lines.push(['证件版本 Card version', c.cardVersion]);
  if (c.previousCardLink !== undefined && c.previousCardLink !== '') lines.push(['旧证号码 Previous card', c.previousCardLink]);
  lines.push(['签发机关 Issuing authority', c.issuer === '' ? '—' : c.issuer]);
  lines.push(['有效期限 Valid', `${c.validFrom} – ${c.validTo === 'long-term' ? '长期 long-term' : c.validTo}`]);
  lines.push(['照片 Photo', c.photo ? `WLT, ${c.photo.bytes} bytes${c.photo.base64 !== undefined ? ` base64 ${c.photo.base64}` : ''}` : '无 none']);
  return lines.map(([k, v]) => `${k}: ${v}`);
}

/** Counts framing problems on a link without taking part in it (its own FrameReader over a copy of the stream). */
class FrameTap {
  checksumErrors = 0;
  lengthErrors = 0;
  frames = 0;
  readonly #unsub: Unsubscribe;

  constructor(t: Transport) {
    const reader = new FrameReader<ResponseFrame, SamProtocolError>({
      parse: parseResponse,
      maxBuffered: MAX_LEN + HEADER_LENGTH,
      device: 'id-card',
      onFrame: () => this.frames++,
      onError: (e) => {
        if (e.kind === 'checksum') this.checksumErrors++;
        else if (e.kind === 'length') this.lengthErrors++;
      },
    });
    this.#unsub = FrameReader.attach(t, reader);
  }

  dispose(): void {
    this.#unsub();
  }
}

async function openSerial(path: string, baudRate: number, signal: AbortSignal): Promise<SerialTransport> {
  return SerialTransport.open({ path, baudRate }, signal);
}

const idCardRead: Command = {
  path: ['id-card', 'read'],
  summary: 'Waits for a card on the reader at --port and prints it once (the photo as its size; --photo adds base64).',
  usage: '--port PATH [--baud 115200] [--timeout 10000] [--photo] [--json]',
  options: { port: { type: 'string' }, baud: { type: 'string' }, timeout: { type: 'string' }, photo: { type: 'boolean' } },
  async run(values, ctx) {
    const path = portOption(values);
    const baud = baudOption(values, 115200);
    const timeoutMs = intOption(values, 'timeout', 10_000, 100, 600_000);
    const t = await openSerial(path, baud, ctx.signal);
    const tap = new FrameTap(t);
    try {
      let card: IdentityRecord;
      try {
        card = await readCardOnce(t, { signal: ctx.signal, timeoutMs });
      } catch (e) {
        if (isDeviceError(e) && e.code === 'timeout' && tap.checksumErrors + tap.lengthErrors > 0) {
          throw new DeviceError(
            'id-card',
            'checksum',
            `corrupted frames from the reader: ${tap.checksumErrors} with a bad checksum, ${tap.lengthErrors} with a bad length, ${tap.frames} good; no card could be read (check the cable and --baud)`,
            'reset',
            'corrupted-frames',
            { cause: e },
          );
        }
        throw e;
      }
      const json = cardToJson(card, values.photo === true);
      return { data: json, human: cardLines(json) };
    } finally {
      tap.dispose();
      await t.close().catch(() => undefined);
    }
  },
};

// ------------------------------------------------------------------ printer

/** The status as the command prints it: the driver's faults (its priority order) and warnings, by name. */
export function statusJson(s: PrinterStatus): PrinterStatus & { ready: boolean; problems: PrinterFaultName[]; warnings: string[] } {
  const problems = printerFaults(s).map((f) => f.fault);
  return { ...s, ready: problems.length === 0, problems, warnings: printerWarnings(s) };
}

function statusLines(s: ReturnType<typeof statusJson>): string[] {
  const yn = (b: boolean, yes: string, no: string): string => (b ? yes : no);
  const paper = { ok: '正常 ok', 'near-end': '纸将尽 near end', out: '缺纸 out' }[s.paper];
  return [
    `状态 Status: ${s.ready ? '就绪 ready' : `不可打印 not ready (${s.problems.join(', ')})`}`,
    `纸张 Paper: ${paper}`,
    `纸仓盖 Cover: ${yn(s.coverOpen, '打开 open', '关闭 closed')}`,
    `联机 Online: ${yn(s.online, '是 yes', '否 no')}`,
    `切刀 Cutter: ${yn(s.cutterError, '故障 error', '正常 ok')}`,
    `错误 Errors: ${yn(s.unrecoverableError, '不可恢复 unrecoverable', yn(s.autoRecoverableError, '自动恢复中 auto-recovering', '无 none'))}`,
    `进纸键 Feed button: ${yn(s.feedButton, '按下 pressed', '松开 released')}`,
  ];
}

/** A printer on `path`, started and linked (or a typed error naming why the link did not come up). */
async function connectPrinter(path: string, baud: number, profile: ProfileName, ctx: CommandContext, timeoutMs: number, queryInfo: boolean): Promise<EscPosPrinter> {
  const printer = new EscPosPrinter('printer', new SerialOpener({ path, baudRate: baud }), {
    profile,
    pollIntervalMs: 0,
    // One command, one job: real-time status (DLE EOT) only, so a refused job sends the printer nothing else.
    enableAsb: false,
    queryInfo,
    keeper: { baseMs: 100, capMs: 500 },
  });
  let telling: DeviceErrorSummary | undefined;
  const up = new Promise<void>((resolveUp, reject) => {
    // A plain timer (not AbortSignal.timeout): it must keep the process alive until it fires.
    const timer = setTimeout(() => onAbort(), timeoutMs);
    const done = (): void => {
      unsub();
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      // Our own quick reopen can meet the lock of the link we just closed: prefer the real reason.
      const last = telling ?? printer.status().lastError;
      if (ctx.signal.aborted) reject(new DeviceError('receipt-printer', 'canceled', 'interrupted while connecting to the printer', 'retry'));
      else reject(new DeviceError('receipt-printer', last?.code ?? 'timeout', `printer at ${path} did not come up within ${timeoutMs} ms${last ? `: ${last.message}` : ': no answer to the status query'}`, last?.action ?? 'reset', last?.fault));
    };
    const unsub = printer.onStatus((s) => {
      if (s.lastError && s.lastError.code !== 'busy') telling = s.lastError;
      if (s.state !== 'offline') {
        done();
        resolveUp();
      }
    });
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  printer.start();
  try {
    await up;
  } catch (e) {
    await printer.close();
    throw e;
  }
  return printer;
}

/** Reads the status; a blocking fault (paper, cover, cutter) fails with the driver's message — nothing is printed. */
async function requireReady(printer: EscPosPrinter, signal: AbortSignal): Promise<ReturnType<typeof statusJson>> {
  const status = await printer.printerStatus(signal);
  const [first] = printerFaults(status);
  if (first) throw new DeviceError('receipt-printer', 'device-fault', `${first.message}; nothing was printed`, first.action, first.fault);
  return statusJson(status);
}

async function withPrinter<T>(
  values: Record<string, unknown>,
  ctx: CommandContext,
  fn: (p: EscPosPrinter, profile: ProfileName) => Promise<T>,
  opts: { queryInfo?: boolean } = {},
): Promise<T> {
  const path = portOption(values);
  const baud = baudOption(values, 115200);
  const profile = widthOption(values);
  const timeoutMs = intOption(values, 'timeout', 5000, 100, 600_000);
  const printer = await connectPrinter(path, baud, profile, ctx, timeoutMs, opts.queryInfo ?? false);
  try {
    return await fn(printer, profile);
  } finally {
    await printer.close();
  }
}

const printerOptions = { port: { type: 'string' }, baud: { type: 'string' }, width: { type: 'string' }, timeout: { type: 'string' } } as const;

const printerStatusCmd: Command = {
  path: ['printer', 'status'],
  summary: 'Reads the printer status (DLE EOT 1–4: online, cover, paper, cutter, errors).',
  usage: '--port PATH [--baud 115200] [--timeout 5000] [--json]',
  options: printerOptions,
  async run(values, ctx) {
    return withPrinter(values, ctx, async (p) => {
      const s = statusJson(await p.printerStatus(ctx.signal));
      const info = p.status().info;
      const data = { ...s, ...(info.model !== undefined ? { model: info.model } : {}), ...(info.firmware !== undefined ? { firmware: info.firmware } : {}) };
      return { data, human: [...statusLines(s), ...(info.model ? [`型号 Model: ${info.model}${info.firmware ? ` (${info.firmware})` : ''}`] : [])] };
    }, { queryInfo: true });
  },
};

async function printJob(values: Record<string, unknown>, ctx: CommandContext, make: (profile: ProfileName) => Uint8Array, what: string) {
  return withPrinter(values, ctx, async (p, profile) => {
    const job = make(profile);
    await requireReady(p, ctx.signal);
    await p.print(job, { signal: ctx.signal });
    const after = statusJson(p.lastPrinterStatus ?? (await p.printerStatus(ctx.signal)));
    const data = { ok: true, printed: what, bytes: job.length, width: profile, warnings: after.warnings };
    return { data, human: [`已打印 Printed: ${what} (${job.length} bytes, ${profile})`, ...after.warnings.map((w) => `警告 Warning: ${w === 'paper-near-end' ? '纸将尽 paper near end' : w}`)] };
  });
}

const printerTest: Command = {
  path: ['printer', 'test'],
  summary: 'Prints a test receipt (date, a Chinese line, a QR code, a cut). Fails without printing on paper out / cover open.',
  usage: '--port PATH [--width 58|80] [--baud 115200] [--json]',
  options: printerOptions,
  run: (values, ctx) => printJob(values, ctx, (profile) => testReceipt({ date: new Date(), profile }), 'test receipt'),
};

const printerPrint: Command = {
  path: ['printer', 'print'],
  summary: 'Prints --text (Chinese allowed, \\n for new lines) and cuts. Fails without printing on paper out / cover open.',
  usage: '--port PATH --text TEXT [--width 58|80] [--baud 115200] [--json]',
  options: { ...printerOptions, text: { type: 'string' } },
  run(values, ctx) {
    const text = values.text;
    if (typeof text !== 'string' || text.length === 0) throw new UsageError('--text is required');
    if (text.length > 10_000) throw new UsageError('--text is longer than 10000 characters');
    return printJob(values, ctx, (profile) => textReceipt(text, profile), 'text');
  },
};

// ------------------------------------------------------------------ simulators

const Ymd = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const IdentityFile = z
  .object({
    cardType: z.enum(CARD_TYPES),
    name: z.string().min(1).max(64),
    nameEn: z.string().max(80).optional(),
    gender: z.enum(['male', 'female']),
    nationCode: z.string().regex(/^\d{2}$/, 'expected two digits').nullable().default(null),
    birthDate: Ymd,
    address: z.string().max(80).default(''),
    idNumber: z.string().min(1).max(18),
    idNumberValid: z.boolean().default(true),
    issuer: z.string().max(32).default(''),
    validFrom: Ymd,
    validTo: z.union([Ymd, z.literal('long-term')]),
    passNumber: z.string().max(18).optional(),
    issueCount: z.number().int().min(0).max(9999).optional(),
    nationality: z.string().regex(/^[A-Z]{3}$/, 'expected three capital letters').optional(),
    cardVersion: z.string().max(2).optional(),
    previousCardLink: z.string().max(32).optional(),
    photoBase64: z.string().max(4096).optional(),
  })
  .strict();

/** Loads `--identity`: a sample name or a JSON file; every problem names the field. */
export async function loadIdentity(spec: string): Promise<IdentityRecord> {
  const sample = sampleRecord(spec);
  if (sample) return sample;
  if (!spec.endsWith('.json')) throw new UsageError(`--identity "${spec}" is neither a sample (${Object.keys(SAMPLE_IDENTITIES).join(', ')}) nor a .json file`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(spec, 'utf8'));
  } catch (e) {
    throw new UsageError(`identity file ${spec}: ${e instanceof SyntaxError ? 'not valid JSON' : describeError(e)}`);
  }
  const parsed = IdentityFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(top level)';
    throw new UsageError(`identity file ${spec}: field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  const { photoBase64, ...rest } = parsed.data;
  let photo: IdentityRecord['photo'] = null;
  if (photoBase64 !== undefined) {
    const bytes = new Uint8Array(Buffer.from(photoBase64, 'base64'));
    if (bytes.length !== 1024) throw new UsageError(`identity file ${spec}: field "photoBase64": the WLT photo must be 1024 bytes, got ${bytes.length}`);
    photo = { format: 'wlt', bytes };
  }
  const record: IdentityRecord = Object.fromEntries(Object.entries({ ...rest, photo }).filter(([, v]) => v !== undefined)) as unknown as IdentityRecord;
  try {
    encodeReadReplyData(record); // the card layout's own limits (field widths per card type)
  } catch (e) {
    throw new UsageError(`identity file ${spec}: ${describeError(e)}`);
  }
  return record;
}

const ID_FAULTS: Record<string, Partial<IdCardFaults>> = {
  none: {},
  'bad-checksum': { badChecksum: true },
  garbage: { garbage: true },
  'short-frame': { shortFrame: true },
  silence: { silence: true },
  'card-error': { cardError: 0x41 },
};

const PRINTER_FAULTS: Record<string, Partial<PrinterFaults>> = {
  none: {},
  'paper-out': { paperOut: true },
  'paper-near-end': { paperNearEnd: true },
  'cover-open': { coverOpen: true },
  'cutter-error': { cutterError: true },
  silence: { silence: true },
};

const simIdCard: Command = {
  path: ['sim', 'id-card'],
  summary:
    'Runs an ID card reader simulator on --port (the device end of a serial link) until Ctrl-C, with a card placed. stdin lines: "place NAME|FILE", "remove", "fault NAME".',
  usage: `--port PATH [--identity ${Object.keys(SAMPLE_IDENTITIES)[0]}|file.json] [--fault ${Object.keys(ID_FAULTS).join('|')}] [--baud 115200] [--json]`,
  options: { port: { type: 'string' }, identity: { type: 'string' }, baud: { type: 'string' }, fault: { type: 'string' } },
  async run(values, ctx) {
    const path = portOption(values);
    const baud = baudOption(values, 115200);
    // One simulator for the whole run: a re-opened link is a re-plugged reader (card and faults stay).
    const sim = new IdCardSimulator();
    sim.setFaults(faultOption(values, ID_FAULTS));
    sim.place(await loadIdentity(typeof values.identity === 'string' ? values.identity : 'resident-zhang'));
    const emit = eventOut(ctx);
    let links = 0;
    const stopControl = controlLines(ctx, async (words) => {
      const [cmd, arg] = words;
      if (cmd === 'place' && arg) sim.place(await loadIdentity(arg));
      else if (cmd === 'remove') sim.remove();
      else if (cmd === 'fault' && arg) {
        const f = faultOption({ fault: arg }, ID_FAULTS);
        sim.clearFaults();
        sim.setFaults(f);
      } else throw new UsageError(`unknown control line "${words.join(' ')}" (place NAME|FILE, remove, fault NAME)`);
      emit('control', { command: cmd, ...(arg !== undefined ? { arg } : {}) }, `control: ${words.join(' ')}`);
    });
    await serveSimulator(ctx, {
      path,
      baud,
      sim,
      stopControl,
      ready: () => {
        links++;
        emit('ready', { path, baud }, `ID card simulator ready on ${path} (${baud} baud); Ctrl-C stops it`);
      },
    });
    return { data: { stopped: true, links, requests: sim.counters.requests }, human: ['simulator stopped'] };
  },
};

const simPrinter: Command = {
  path: ['sim', 'printer'],
  summary:
    'Runs a receipt printer simulator on --port until Ctrl-C; every cut receipt goes to --out as NNN.json (decoded), NNN.svg (preview) and NNN.bin (raw print data).',
  usage: `--port PATH --out DIR [--width 58|80] [--fault ${Object.keys(PRINTER_FAULTS).join('|')}] [--baud 115200] [--json]`,
  options: { port: { type: 'string' }, out: { type: 'string' }, width: { type: 'string' }, baud: { type: 'string' }, fault: { type: 'string' } },
  async run(values, ctx) {
    const path = portOption(values);
    const baud = baudOption(values, 115200);
    const profile = widthOption(values);
    const dir = resolve(requiredString(values, 'out'));
    await mkdir(dir, { recursive: true });
    const sim = new PrinterSimulator(undefined, { profile, model: 'KIOSK-SIM', firmware: 'sim-1' });
    sim.setFaults(faultOption(values, PRINTER_FAULTS));
    const emit = eventOut(ctx);
    // Every cut on the wire (printed or discarded): its raw print data, and the receipt.
    let written = 0;
    let writes: Promise<unknown> = Promise.resolve();
    sim.onWireJob((job) => {
      const bin = job.raw;
      const receipt = wouldPrint(job);
      const n = String(++written).padStart(3, '0');
      const accepted = job.receipt !== undefined;
      writes = writes.then(async () => {
        await writeFile(join(dir, `${n}.bin`), bin);
        if (receipt) {
          await writeFile(join(dir, `${n}.json`), JSON.stringify(receipt, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v), 2));
          await writeFile(join(dir, `${n}.svg`), renderSvg(receipt, profile));
        }
        emit('receipt', { n: written, bytes: bin.length, accepted, file: join(dir, `${n}.bin`) }, `receipt ${n}: ${bin.length} bytes → ${join(dir, n)}.{bin,json,svg}`);
      });
    });
    const stopControl = controlLines(ctx, async (words) => {
      const [cmd, arg] = words;
      if (cmd === 'fault' && arg) {
        const f = faultOption({ fault: arg }, PRINTER_FAULTS);
        sim.clearFaults();
        sim.setFaults(f);
      } else throw new UsageError(`unknown control line "${words.join(' ')}" (fault NAME)`);
      emit('control', { command: cmd, arg }, `control: ${words.join(' ')}`);
    });
    try {
      await serveSimulator(ctx, {
        path,
        baud,
        sim,
        stopControl,
        ready: () => emit('ready', { path, baud, width: profile }, `receipt printer simulator ready on ${path} (${baud} baud, ${profile}); receipts go to ${dir}; Ctrl-C stops it`),
      });
    } finally {
      await writes.catch(() => undefined);
    }
    const data = { stopped: true, receipts: written, printDataBytes: sim.printDataBytes, discardedBytes: sim.discardedBytes, statusQueries: sim.statusQueries };
    return { data, human: [`simulator stopped: ${written} receipts, ${sim.printDataBytes} bytes of print data (${sim.discardedBytes} discarded)`] };
  },
};

// ------------------------------------------------------------------ devices list

const devicesList: Command = {
  path: ['devices', 'list'],
  summary: 'Lists serial ports (with their stable /dev/serial links) and HID devices.',
  usage: '[--json]',
  options: {},
  async run(_values, ctx) {
    const serial = await listSerialPorts(ctx.signal);
    let hid: Awaited<ReturnType<typeof listHidDevices>> = [];
    let hidError: string | undefined;
    try {
      hid = await listHidDevices(ctx.signal);
    } catch (e) {
      hidError = describeError(e);
    }
    const human = [`串口 Serial ports (${serial.length}):`];
    for (const p of serial) {
      const ids = p.vendorId ? ` [${p.vendorId}:${p.productId ?? '????'}]` : '';
      human.push(`  ${p.byId ?? p.byPath ?? p.path}${p.byId || p.byPath ? ` → ${p.path}` : ''}${ids}${p.manufacturer ? ` ${p.manufacturer}` : ''}`);
    }
    human.push(hidError ? `HID: 不可用 unavailable (${hidError})` : `HID 设备 HID devices (${hid.length}):`);
    for (const d of hid) human.push(`  ${d.path} [${d.vendorId}:${d.productId}]${d.product ? ` ${d.product}` : ''}${d.usagePage !== undefined ? ` usagePage 0x${d.usagePage.toString(16)}` : ''}`);
    return { data: { serial, hid, ...(hidError ? { hidError } : {}) }, human };
  },
};

/** Device commands: id-card, printer, sim, devices. */
export const commands: Command[] = [idCardRead, printerStatusCmd, printerTest, printerPrint, simIdCard, simPrinter, devicesList];
