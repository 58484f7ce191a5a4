import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { PRESENCE_DEFAULTS } from '../../drivers/id-card/types.js';
import { TERMINATORS } from '../../drivers/qr-reader/protocol/serial.js';
import { PAGE_SIZES, SCAN_MODES, SCAN_SOURCES } from '../../drivers/document-scanner/types.js';
import { Locale, SiteType, TechnicianEntry } from '../contract/index.js';
import { ELDER_SLOWDOWN, elderTimings } from '../workflows/session.js';
import { TERMINAL_ID, TERMINAL_ID_RULE } from './delivery.js';
import { PinHash } from './pin.js';
import { VOICE_DEFAULTS, VoiceConfig } from './voice/config.js';

/**
 * The terminal profile: one JSON file per kiosk, written at installation.
 * Every field has a default, so `{}` (or no file) gives a working kiosk with simulated devices.
 */

const DevicePath = z.string().min(1).max(4096);

export const SimulatedDevice = z.object({ type: z.literal('simulated') }).strict();
export const SerialDevice = z
  .object({
    type: z.literal('serial'),
    /** Prefer a stable path: /dev/serial/by-id/… or /dev/serial/by-path/… */
    path: DevicePath,
    baudRate: z.number().int().positive().default(115200),
  })
  .strict();
export const HidDevice = z
  .object({
    type: z.literal('hid'),
    /** A hidraw path (/dev/hidraw3) or "vid:pid" in hex, e.g. "0400:c35a". */
    path: DevicePath,
    reportId: z.number().int().min(0).max(255).default(0),
    reportSize: z.number().int().min(8).max(1024).default(64),
  })
  .strict();

/**
 * Development HMAC key shared by the embedded platform simulator and a terminal with no provisioned key.
 * Not a secret: a real terminal gets its own key at provisioning (platform.terminalKey).
 */
export const DEV_TERMINAL_KEY = Buffer.from('nxsl-dev-terminal-key/not-a-secret!', 'utf8').toString('base64');

const Base64Key = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
  .refine((s) => Buffer.from(s, 'base64').length >= 16, { message: 'must decode to at least 16 bytes' });

/**
 * Development holder key: the embedded platform simulator and an unprovisioned terminal agree on it.
 * Not a secret; a real terminal gets the province's holder key at provisioning (platform.holderKey).
 */
export const DEV_HOLDER_KEY = Buffer.from('nxsl-dev-holder-key/not-a-secret!!', 'utf8').toString('base64');

const PlatformConfig = z
  .object({
    /** Base URL of the provincial platform; null = the embedded simulator in web mode (none in Electron). */
    url: z.url({ protocol: /^https?$/ }).nullable().default(null),
    /** This terminal's HMAC key, provisioned per terminal (base64). */
    terminalKey: Base64Key.default(DEV_TERMINAL_KEY),
    /**
     * The key of the applicant/holder token (base64): HMAC-SHA-256(holderKey, ID number) is what the kiosk
     * sends instead of the ID number, in submissions and e-certificate look-ups.
     */
    holderKey: Base64Key.default(DEV_HOLDER_KEY),
    /** Whole-request timeout of every platform call. */
    timeoutMs: z.number().int().min(100).max(300_000).default(15_000),
    /** How often reachability is probed (GET /v1/health); delivery outcomes count as probes too. */
    probeSeconds: z.number().int().min(1).max(3600).default(30),
    /** Delivery retry backoff: capped exponential with full jitter, never sooner than Retry-After. */
    retryBaseMs: z.number().int().min(1).max(3_600_000).default(1000),
    retryCapMs: z.number().int().min(1).max(86_400_000).default(5 * 60_000),
  })
  .strict()
  .refine((p) => p.retryBaseMs <= p.retryCapMs, { message: 'retryBaseMs must not exceed retryCapMs', path: ['retryBaseMs'] })
  // The development key pairs only with a simulator on this machine: a real platform needs the terminal's own key.
  .refine((p) => p.url === null || isLoopbackUrl(p.url) || p.terminalKey !== DEV_TERMINAL_KEY, {
    message: 'a platform URL that is not on this machine needs this terminal\'s provisioned key (base64); the development key pairs only with the simulator',
    path: ['terminalKey'],
  })
  // Likewise the development holder key: real holder tokens need the province's key.
  .refine((p) => p.url === null || isLoopbackUrl(p.url) || p.holderKey !== DEV_HOLDER_KEY, {
    message: 'a platform URL that is not on this machine needs the province\'s holder key (base64); the development key pairs only with the simulator',
    path: ['holderKey'],
  });
const PLATFORM_DEFAULTS = { url: null, terminalKey: DEV_TERMINAL_KEY, holderKey: DEV_HOLDER_KEY, timeoutMs: 15_000, probeSeconds: 30, retryBaseMs: 1000, retryCapMs: 5 * 60_000 };

const StorageConfig = z
  .object({
    /** New submissions are refused (typed 'storage-full') below this much free space on the data directory. */
    minFreeBytes: z.number().int().min(0).default(200 * 1024 * 1024),
    /** At-rest sealing suite; the SM suite needs Node's OpenSSL (web mode or a Node core process). */
    sealing: z.enum(['aes-256-gcm', 'sm4-ctr-hmac-sm3']).default('aes-256-gcm'),
    /** Sealing key file; null = <dataDir>/keys/seal.json. Relative paths are relative to the profile file. */
    keyFile: z.string().min(1).max(4096).nullable().default(null),
    /**
     * PIPL storage limitation: a dead letter older than this (since it was queued) is exported sealed to
     * <dataDir>/expired/ for the technician and purged, with a journal record.
     */
    deadLetterRetentionDays: z.number().int().min(1).max(3650).default(30),
    /** Hash chaining the tamper-evident journal (a new journal; an existing one keeps its own). */
    journalHash: z.enum(['sha256', 'sm3']).default('sha256'),
  })
  .strict();
const STORAGE_DEFAULTS = {
  minFreeBytes: 200 * 1024 * 1024,
  sealing: 'aes-256-gcm' as const,
  keyFile: null,
  deadLetterRetentionDays: 30,
  journalHash: 'sha256' as const,
};

/**
 * The technician section: PIN slots (scrypt hashes only, never a PIN), lockout, idle time, how the screen is
 * entered, and the control socket's group.
 */
const TechnicianConfig = z
  .object({
    /** One slot per technician or team; the slot name is what the journal records. */
    pins: z
      .array(z.object({ slot: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'letters, digits, dot, dash or underscore, at most 40'), hash: PinHash }).strict())
      .max(50)
      .default([])
      .refine((a) => new Set(a.map((p) => p.slot)).size === a.length, { message: 'PIN slot names must be unique' }),
    lockout: z
      .object({
        /** Wrong PINs in a row before the PIN pad locks. */
        attempts: z.number().int().min(3).max(10).default(5),
        /** The first lock; each further lock doubles it, up to maxSeconds. */
        baseSeconds: z.number().int().min(5).max(3600).default(60),
        maxSeconds: z.number().int().min(5).max(86_400).default(3600),
      })
      .strict()
      .default({ attempts: 5, baseSeconds: 60, maxSeconds: 3600 })
      .refine((l) => l.baseSeconds <= l.maxSeconds, { message: 'baseSeconds must not exceed maxSeconds', path: ['baseSeconds'] }),
    /** The technician screen leaves by itself after this long without a touch. */
    idleSeconds: z.number().int().min(30).max(1800).default(120),
    /** With `service out --now`, how long the citizen is told before the session is ended. */
    closingNoticeSeconds: z.number().int().min(3).max(120).default(15),
    entry: TechnicianEntry.default({ gesture: { corner: 'top-left', taps: 5, withinMs: 3000 }, key: null }),
    socket: z
      .object({
        /** The control socket <dataDir>/control/kiosk.sock (kioskctl talks to the running core through it). */
        enabled: z.boolean().default(true),
        /** Group allowed to connect (mode 0660), by name or number; null = the core's own group. */
        group: z.union([z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}\$?$/i), z.number().int().nonnegative()]).nullable().default(null),
      })
      .strict()
      .default({ enabled: true, group: null }),
  })
  .strict();
const TECHNICIAN_DEFAULTS = {
  pins: [],
  lockout: { attempts: 5, baseSeconds: 60, maxSeconds: 3600 },
  idleSeconds: 120,
  closingNoticeSeconds: 15,
  entry: { gesture: { corner: 'top-left' as const, taps: 5, withinMs: 3000 }, key: null },
  socket: { enabled: true, group: null },
};

const YMD = z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'a date is YYYY-MM-DD');

const CatalogConfig = z
  .object({
    /**
     * A site's own catalog file (JSON, the format of main/catalog/README.md), replacing the bundled sample as
     * the catalog used when the platform's is unavailable. Relative to the profile file. Validated at start-up:
     * a bad file stops the kiosk naming the file and the field.
     */
    file: z.string().min(1).max(4096).optional(),
    /** Only these matters are offered: 实施编码, 基本编码 or category ids (a bank branch shows its subset). */
    include: z.array(z.string().min(1).max(128)).min(1).max(500).optional(),
    /**
     * The working-day calendar for promised completion dates: weekends are rest days, plus `holidays`, minus
     * `workdays` (调休 weekend working days). The State Council publishes them each year.
     */
    holidays: z.array(YMD).max(400).default([]),
    workdays: z.array(YMD).max(100).default([]),
  })
  .strict();

const Disabled = z.object({ type: z.literal('none') }).strict();

/**
 * The document scanner behind saned (drivers/document-scanner/README.md): saned runs on the kiosk itself
 * and listens on loopback; another host only on the kiosk's internal network (SANE has no TLS).
 */
export const SanedScanner = z
  .object({
    type: z.literal('saned'),
    host: z.string().min(1).max(253).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(6566),
    /** The SANE device name as `scanimage -L` prints it on the kiosk, e.g. "fujitsu:fi-7160:123456" (no "net:host:" prefix). */
    device: z
      .string()
      .min(1)
      .max(256)
      .refine((d) => !d.startsWith('net:'), { message: 'give the device name saned knows (without "net:host:"), as `scanimage -L` on the kiosk prints it' })
      .refine((d) => [...d].every((c) => c.charCodeAt(0) > 0 && c.charCodeAt(0) <= 0xff), { message: 'SANE device names are ISO Latin-1' }),
    /** Resolution (dpi) of a matter's scan. */
    resolution: z.number().int().min(50).max(1200).default(300),
    /** Where the citizen puts the document: the glass (one page per scan, as a 高拍仪 document camera) or the feeder (every sheet in it). */
    source: z.enum(SCAN_SOURCES).default('flatbed'),
    /** Colour keeps red seals (红章) legible; gray makes smaller attachments. */
    mode: z.enum(SCAN_MODES).default('color'),
    /** The scan area; absent: the scanner's whole area. */
    pageSize: z.enum(PAGE_SIZES).optional(),
  })
  .strict();
/**
 * How the ID card reader polls for a card (drivers/id-card/README.md, "Presence"): find-card every `pollMs`
 * while none lies on it, every `presentPollMs` while one does. The defaults suit SAM_A readers; a slower
 * reader may need longer. Optional: omitted, the driver's defaults apply.
 */
const CardPresence = {
  presence: z
    .object({
      pollMs: z.number().int().min(5).max(1000).default(PRESENCE_DEFAULTS.pollMs),
      presentPollMs: z.number().int().min(20).max(5000).default(PRESENCE_DEFAULTS.presentPollMs),
    })
    .strict()
    .optional(),
};
const IdCardConfig = z.discriminatedUnion('type', [SimulatedDevice.extend(CardPresence).strict(), SerialDevice.extend(CardPresence).strict(), HidDevice.extend(CardPresence).strict(), Disabled]);
const ScannerConfig = z.discriminatedUnion('type', [SanedScanner, SimulatedDevice, Disabled]);
const PrinterConfig = z.discriminatedUnion('type', [
  SimulatedDevice.extend({ paper: z.enum(['58mm', '80mm']).default('80mm') }).strict(),
  SerialDevice.extend({ paper: z.enum(['58mm', '80mm']).default('80mm') }).strict(),
  Disabled,
]);

/**
 * The payment pad: nexo Sale-to-POI over a serial link (STX/ETX/LRC, ACK/NAK). Pads that enumerate as
 * USB CDC-ACM are serial too (/dev/serial/by-id/usb-…-if00). See drivers/payment-pad/README.md.
 */
const PaymentPadConfig = z.discriminatedUnion('type', [
  SimulatedDevice,
  z
    .object({
      type: z.literal('serial'),
      path: DevicePath,
      protocol: z.literal('nexo').default('nexo'),
      baudRate: z.number().int().positive().default(9600),
      dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
      parity: z.enum(['none', 'even', 'odd']).default('none'),
      /** Seconds a citizen has to present the card once the pad acknowledged the request. */
      paymentTimeoutSeconds: z.number().int().min(10).max(600).default(120),
    })
    .strict(),
  Disabled,
]);

/**
 * The QR/barcode reader: serial (virtual COM; payload + terminator) or HID POS (usage page 0x8C).
 * Keyboard emulation is not supported (it types into whatever has focus). See drivers/qr-reader/README.md.
 */
const QrReaderConfig = z.discriminatedUnion('type', [
  SimulatedDevice,
  z
    .object({
      type: z.literal('serial'),
      path: DevicePath,
      baudRate: z.number().int().positive().default(9600),
      terminator: z.enum(TERMINATORS).default('cr'),
      /** The reader is set to send the AIM symbology identifier ("]Q1") before the payload. */
      aimPrefix: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal('hid'),
      /** A hidraw path (/dev/kiosk-qr) or "vid:pid" in hex, e.g. "0c2e:0b61" (its usage page 0x8C interface). */
      path: DevicePath,
    })
    .strict(),
  Disabled,
]);

const DEVICE_DEFAULTS = {
  idCard: { type: 'simulated' as const },
  printer: { type: 'simulated' as const, paper: '80mm' as const },
  paymentPad: { type: 'simulated' as const },
  qrReader: { type: 'simulated' as const },
  scanner: { type: 'simulated' as const },
};

/** Elder mode's idle, warning and goodbye seconds: the profile's own, or the normal ones doubled (one rule: elderTimings). */
export function elderIdleSeconds(idle: { timeoutSeconds: number; warningSeconds: number; goodbyeSeconds: number; elder: { timeoutSeconds?: number | undefined; warningSeconds?: number | undefined; goodbyeSeconds?: number | undefined } }) {
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  const t = elderTimings(
    { idleTimeoutMs: idle.timeoutSeconds * 1000, warningMs: idle.warningSeconds * 1000, goodbyeMs: idle.goodbyeSeconds * 1000 },
    dropUndefined({ idleTimeoutMs: ms(idle.elder.timeoutSeconds), warningMs: ms(idle.elder.warningSeconds), goodbyeMs: ms(idle.elder.goodbyeSeconds) }),
  );
  return { timeoutSeconds: t.idleTimeoutMs / 1000, warningSeconds: t.warningMs / 1000, goodbyeSeconds: t.goodbyeMs / 1000 };
}

function dropUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

export const Profile = z
  .object({
    terminalId: z
      .string()
      .regex(TERMINAL_ID, TERMINAL_ID_RULE)
      .default('NX-DEV-0001'),
    siteName: z.string().min(1).max(100).default('银川市民大厅（开发）'),
    siteType: SiteType.default('service-hall'),
    defaultLocale: Locale.default('zh-CN'),
    /** Voice guidance (语音播报): the engine, each citizen's defaults, the elder-mode rate. See main/core/voice/. */
    voice: VoiceConfig.default(VOICE_DEFAULTS),
    idle: z
      .object({
        /** Seconds without any touch before the warning appears. */
        timeoutSeconds: z.number().int().min(5).max(3600).default(90),
        /** Seconds the warning counts down before the session is wiped. */
        warningSeconds: z.number().int().min(3).max(120).default(20),
        /** Seconds the goodbye screen stays before the attract screen returns. */
        goodbyeSeconds: z.number().int().min(2).max(120).default(10),
        /**
         * Elder mode (长辈模式) is slower: its own idle timeout, warning and goodbye. Each one left out is the
         * normal one doubled (ELDER_SLOWDOWN); a timeout shorter than twice the normal one is refused.
         */
        elder: z
          .object({
            timeoutSeconds: z.number().int().min(10).max(7200).optional(),
            warningSeconds: z.number().int().min(3).max(240).optional(),
            goodbyeSeconds: z.number().int().min(2).max(240).optional(),
          })
          .strict()
          .default({}),
        /** Seconds after the card leaves the reader on the matter list (no matter running) until the session ends. */
        cardRemovedSeconds: z.number().int().min(1).max(60).default(5),
        /** Seconds after the last language or display choice on the attract screen (nobody identified) until they are reset. */
        attractResetSeconds: z.number().int().min(5).max(600).default(30),
      })
      .strict()
      .default({ timeoutSeconds: 90, warningSeconds: 20, goodbyeSeconds: 10, elder: {}, cardRemovedSeconds: 5, attractResetSeconds: 30 })
      .refine((v) => v.warningSeconds < v.timeoutSeconds, { message: 'warningSeconds must be shorter than timeoutSeconds' })
      .superRefine((v, ctx) => {
        const e = elderIdleSeconds(v);
        if (e.timeoutSeconds < v.timeoutSeconds * ELDER_SLOWDOWN)
          ctx.addIssue({ code: 'custom', path: ['elder', 'timeoutSeconds'], message: `elder.timeoutSeconds must be at least ${ELDER_SLOWDOWN} × timeoutSeconds (${v.timeoutSeconds * ELDER_SLOWDOWN})` });
        if (e.warningSeconds <= v.warningSeconds)
          ctx.addIssue({ code: 'custom', path: ['elder', 'warningSeconds'], message: `elder.warningSeconds must be longer than warningSeconds (${v.warningSeconds})` });
        if (e.warningSeconds >= e.timeoutSeconds) ctx.addIssue({ code: 'custom', path: ['elder', 'warningSeconds'], message: 'elder.warningSeconds must be shorter than the elder timeout' });
        if (e.goodbyeSeconds < v.goodbyeSeconds) ctx.addIssue({ code: 'custom', path: ['elder', 'goodbyeSeconds'], message: 'elder.goodbyeSeconds must not be shorter than goodbyeSeconds' });
      }),
    /** Where the database, logs and keys live. Relative paths are relative to the profile file. */
    dataDir: z.string().min(1).default('.data'),
    devices: z
      .object({
        idCard: IdCardConfig.default(DEVICE_DEFAULTS.idCard),
        printer: PrinterConfig.default(DEVICE_DEFAULTS.printer),
        paymentPad: PaymentPadConfig.default(DEVICE_DEFAULTS.paymentPad),
        qrReader: QrReaderConfig.default(DEVICE_DEFAULTS.qrReader),
        scanner: ScannerConfig.default(DEVICE_DEFAULTS.scanner),
      })
      .strict()
      .default(DEVICE_DEFAULTS),
    web: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(0),
        /** Listening on a non-loopback address needs this set explicitly. */
        allowRemote: z.boolean().default(false),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 0, allowRemote: false })
      .refine((w) => w.allowRemote || isLoopback(w.host), {
        message: 'a non-loopback web.host needs "allowRemote": true',
        path: ['host'],
      }),
    logging: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
        maxFileBytes: z.number().int().min(64 * 1024).default(5 * 1024 * 1024),
        maxFiles: z.number().int().min(1).max(100).default(5),
      })
      .strict()
      .default({ level: 'info', maxFileBytes: 5 * 1024 * 1024, maxFiles: 5 }),
    platform: PlatformConfig.default(PLATFORM_DEFAULTS),
    catalog: CatalogConfig.default({ holidays: [], workdays: [] }),
    storage: StorageConfig.default(STORAGE_DEFAULTS),
    technician: TechnicianConfig.default(TECHNICIAN_DEFAULTS),
  })
  .strict();

export type Profile = z.infer<typeof Profile>;

/** true for an http(s) URL whose host is a loopback name or address (a simulator on this machine). */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopback(new URL(url).hostname);
  } catch {
    return false;
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LoadedProfile {
  profile: Profile;
  /** Absolute path of the file read, or null when defaults were used. */
  file: string | null;
  /** Absolute data directory. */
  dataDir: string;
  /** Absolute path of the sealing key file. */
  keyFile: string;
}

/**
 * Reads and validates a profile. A bad file stops start-up with a message that names the file
 * and the offending field, e.g. `kiosk.json: idle.timeoutSeconds: expected number, received string`.
 */
export function loadProfile(file: string | null | undefined, opts: { cwd?: string } = {}): LoadedProfile {
  const cwd = opts.cwd ?? process.cwd();
  if (!file) {
    const profile = Profile.parse({}, { jitless: true });
    const dataDir = resolve(cwd, profile.dataDir);
    return { profile, file: null, dataDir, keyFile: keyFileOf(profile, dataDir, cwd) };
  }
  const abs = isAbsolute(file) ? file : resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new ProfileError(abs, '(file)', `${abs}: cannot read the terminal profile (${code})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProfileError(abs, '(file)', `${abs}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = Profile.safeParse(raw, { jitless: true }); // parsed once: see parseCatalog
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.map(String) : [];
    if (issue?.code === 'unrecognized_keys') path.push(issue.keys.join(', '));
    const field = path.length > 0 ? path.join('.') : '(root)';
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
    throw new ProfileError(abs, field, `${abs}: ${field}: ${issue?.message ?? 'invalid'}${more}`);
  }
  const profile = parsed.data;
  const base = join(abs, '..');
  const dataDir = isAbsolute(profile.dataDir) ? profile.dataDir : resolve(base, profile.dataDir);
  return { profile, file: abs, dataDir, keyFile: keyFileOf(profile, dataDir, base) };
}

/** The sealing key file: storage.keyFile (relative to the profile's folder) or <dataDir>/keys/seal.json. */
export function keyFileOf(profile: Profile, dataDir: string, base: string): string {
  const k = profile.storage.keyFile;
  if (k === null) return join(dataDir, 'keys', 'seal.json');
  return isAbsolute(k) ? k : resolve(base, k);
}
