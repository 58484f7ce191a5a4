/**
 * A real saned (Debian sane-utils) with the `test` backend, for integration tests:
 *
 *   <dir>/saned.conf   127.0.0.1            (the host allowed; loopback is always allowed anyway)
 *   <dir>/dll.conf     test                 (the system dll.conf has the test backend commented out)
 *   <dir>/test.conf    the backend's settings (defaults as shipped; tests may add lines)
 *   <dir>/saned.users  user:password:test   (only when `users` is given: OPEN then asks for AUTHORIZE)
 *
 *   SANE_CONFIG_DIR=<dir> saned -l -e -b 127.0.0.1 -p 0 -d 4
 *
 * `-p 0` makes saned pick a free port and print it ("selected ephemeral port: N", at debug level ≥ 4), so
 * parallel tests never collide. The helper waits until saned is in its accept loop and a connection is
 * accepted, and stops it after. saned forks a child per connection; it is started as a process group
 * leader so stop() and kill() reach the children too ("saned stopped in the middle").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

export const SANED = '/usr/sbin/saned';

export interface SanedOptions {
  /** saned.users entries: OPEN of a `test` device then needs AUTHORIZE. */
  users?: { username: string; password: string }[];
  /** Extra lines for test.conf (e.g. 'number_of_devices 1'). */
  testConf?: string[];
  /** How long to wait for saned to listen. Default 10 s. */
  timeoutMs?: number;
}

export interface Saned {
  readonly host: string;
  readonly port: number;
  readonly configDir: string;
  readonly running: boolean;
  /** What saned wrote to stderr (its debug log), last 64 KiB. */
  log(): string;
  /** SIGTERM to saned and its children; waits for the parent to exit. */
  stop(): Promise<void>;
  /** SIGKILL to saned and its children (a crash, or the service stopped hard). */
  kill(): Promise<void>;
  /** Starts saned again on the same port (after stop() or kill()). */
  restart(): Promise<void>;
}

export class SanedError extends Error {
  override readonly name = 'SanedError';
}

const live = new Set<SanedImpl>();
let exitHook = false;

/** The test backend's shipped defaults (test.conf.in), spelled out so the tests do not depend on /etc/sane.d. */
const TEST_CONF = [
  'number_of_devices 2',
  'mode Gray',
  'depth 8',
  'hand-scanner false',
  'three-pass false',
  'three-pass-order RGB',
  'resolution_min 1.0',
  'resolution_max 1200.0',
  'resolution_quant 1.0',
  'resolution 50.0',
  'test-picture "Solid black"',
  'invert-endianess false',
  'read-limit false',
  'read-limit-size 1',
  'read-delay false',
  'read-delay-duration 1000',
  'read-status-code "Default"',
  'fuzzy-parameters false',
  'ppl-loss 0',
  'non-blocking false',
  'select-fd false',
  'enable-test-options false',
  'geometry_min 0.0',
  'geometry_max 200.0',
  'geometry_quant 1.0',
  'tl_x 0.0',
  'tl_y 0.0',
  'br_x 80.0',
  'br_y 100.0',
];

class SanedImpl implements Saned {
  readonly host = '127.0.0.1';
  port = 0;
  #child: ChildProcess | undefined;
  #timeoutMs = 10_000;
  #exited: Promise<void> = Promise.resolve();
  #log = '';

  constructor(readonly configDir: string) {}

  get running(): boolean {
    return this.#child !== undefined;
  }

  log(): string {
    return this.#log;
  }

  async start(timeoutMs: number): Promise<void> {
    this.#timeoutMs = timeoutMs;
    this.#log = '';
    const child = spawn(SANED, ['-l', '-e', '-b', this.host, '-p', String(this.port), '-d', '4'], {
      env: { ...process.env, SANE_CONFIG_DIR: this.configDir },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    this.#child = child;
    let spawnError: Error | undefined;
    let exitInfo: string | undefined;
    let listening = false;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      this.#log = (this.#log + s).slice(-65536);
      const m = /selected ephemeral port: (\d+)/.exec(this.#log);
      if (m) this.port = Number(m[1]);
      if (this.#log.includes('waiting for control connection')) listening = true;
    });
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', (code, sig) => {
        exitInfo = `code ${String(code)} signal ${String(sig)}`;
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
      child.once('error', (e) => {
        spawnError = e;
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
    });
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError) throw new SanedError(`cannot start ${SANED} (is sane-utils installed? scripts/install-system-deps.sh): ${spawnError.message}`);
      if (exitInfo) throw new SanedError(`saned exited early (${exitInfo}): ${this.#log.trim()}`);
      if (listening && this.port > 0 && (await accepts(this.host, this.port))) return;
      if (Date.now() > until) {
        await this.kill();
        throw new SanedError(`saned did not listen within ${timeoutMs} ms: ${this.#log.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #signal(sig: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, sig); // the whole group: the listener and every per-connection child
    } catch {
      // already gone
    }
  }

  async stop(): Promise<void> {
    if (!this.#child) return;
    this.#signal('SIGTERM');
    const timer = setTimeout(() => this.#signal('SIGKILL'), 3000);
    await this.#exited;
    clearTimeout(timer);
    this.#signal('SIGKILL'); // children that outlived the parent
  }

  async kill(): Promise<void> {
    if (!this.#child) return;
    this.#signal('SIGKILL');
    await this.#exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start(this.#timeoutMs);
  }

  killSync(): void {
    this.#signal('SIGKILL');
  }
}

/** Resolves true once a TCP connection to host:port is accepted (then closes it). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts a private saned with the test backend. Throws SanedError when saned is missing or does not come up. */
export async function startSaned(opts: SanedOptions = {}): Promise<Saned> {
  if (!existsSync(SANED)) throw new SanedError(`${SANED} is missing: install sane-utils (bash scripts/install-system-deps.sh)`);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const s of live) s.killSync();
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'kiosk-saned-'));
  await writeFile(join(dir, 'saned.conf'), '127.0.0.1\n');
  await writeFile(join(dir, 'dll.conf'), 'test\n');
  await writeFile(join(dir, 'test.conf'), [...TEST_CONF, ...(opts.testConf ?? [])].join('\n') + '\n');
  if (opts.users) await writeFile(join(dir, 'saned.users'), opts.users.map((u) => `${u.username}:${u.password}:test`).join('\n') + '\n');
  const s = new SanedImpl(dir);
  live.add(s);
  try {
    await s.start(opts.timeoutMs ?? 10_000);
  } catch (e) {
    live.delete(s);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return s;
}

async function disposeAll(): Promise<void> {
  await Promise.all(
    [...live].map(async (s) => {
      await s.stop();
      live.delete(s);
      await rm(s.configDir, { recursive: true, force: true });
    }),
  );
}

/** Stops every saned started in this scope after each test (and after all, for ones made in beforeAll). */
export function useSaned(opts: { perTest?: boolean } = {}): void {
  if (opts.perTest ?? true) afterEach(disposeAll);
  afterAll(disposeAll);
}

export interface Pnm {
  /** P4 (1-bit, 1 = black), P5 (gray) or P6 (RGB). */
  type: 'P4' | 'P5' | 'P6';
  width: number;
  height: number;
  maxval: number;
  data: Uint8Array;
}

/** Parses scanimage's PNM output (comments allowed in the header). */
export function parsePnm(b: Uint8Array): Pnm {
  let o = 0;
  const token = (): string => {
    for (;;) {
      while (o < b.length && /\s/.test(String.fromCharCode(b[o] as number))) o++;
      if (b[o] === 0x23) {
        while (o < b.length && b[o] !== 0x0a) o++;
        continue;
      }
      break;
    }
    const start = o;
    while (o < b.length && !/\s/.test(String.fromCharCode(b[o] as number))) o++;
    return Buffer.from(b.subarray(start, o)).toString('latin1');
  };
  const type = token();
  if (type !== 'P4' && type !== 'P5' && type !== 'P6') throw new Error(`not a PNM scanimage writes: ${type}`);
  const width = Number(token());
  const height = Number(token());
  const maxval = type === 'P4' ? 1 : Number(token());
  o++; // the single whitespace before the raster
  return { type, width, height, maxval, data: b.subarray(o) };
}

/**
 * The independent oracle: scanimage on the same test backend, locally (dll.conf = test in `configDir`),
 * not through saned. Returns its PNM.
 */
export function scanimageLocal(configDir: string, args: string[]): Promise<Pnm> {
  return new Promise((resolve, reject) => {
    const child = spawn('scanimage', ['--format=pnm', ...args], { env: { ...process.env, SANE_CONFIG_DIR: configDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (err += s));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`scanimage ${args.join(' ')} exited ${String(code)}: ${err.trim()}`));
      else resolve(parsePnm(new Uint8Array(Buffer.concat(out))));
    });
  });
}
