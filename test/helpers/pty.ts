/**
 * Real kernel pseudo-terminal pairs for integration tests, made by socat:
 *
 *   socat -d -d pty,raw,echo=0,link=<dir>/host pty,raw,echo=0,link=<dir>/dev
 *
 * The driver opens `hostPath`, the simulator opens `devicePath` (both through
 * SerialTransport). `kill()` is "pulling the cable" (SIGKILL, the pty masters
 * vanish, and the links are removed as udev removes /dev/serial/by-id links); `restart()` is "plugging it back" (a new socat with
 * the same link paths, pointing at new /dev/pts nodes).
 *
 * Cleanup: call `usePtyPairs()` once inside a describe (or at file top level) to
 * dispose every pair created in that scope after each test; pairs made in
 * beforeAll are disposed by `disposeAllPtyPairs()` (registered with afterAll by
 * usePtyPairs). A process 'exit' hook SIGKILLs any socat that is still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

export interface PtyPair {
  /** The end the driver under test opens. */
  readonly hostPath: string;
  /** The end the simulator opens. */
  readonly devicePath: string;
  /** True while socat runs. */
  readonly running: boolean;
  /** SIGKILLs socat (the link disappears like an unplugged cable) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts a new socat with the same link paths (kills the old one first if it still runs). */
  restart(): Promise<void>;
  /** Kills socat and removes the temporary directory. Idempotent. */
  dispose(): Promise<void>;
}

export interface PtyPairOptions {
  /** How long to wait for socat to create both links. Default 5000 ms. */
  timeoutMs?: number;
}

export class PtyPairError extends Error {
  override readonly name = 'PtyPairError';
}

const live = new Set<PtyPairImpl>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of live) p.killSync();
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path); // follows the link: a dangling link from a killed socat counts as missing
    return true;
  } catch {
    return false;
  }
}

class PtyPairImpl implements PtyPair {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #disposed = false;
  #killing: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly hostPath: string,
    readonly devicePath: string,
    private readonly timeoutMs: number,
  ) {}

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    if (this.#disposed) throw new PtyPairError('pty pair already disposed');
    // A kill still removing the old links finishes first (see kill()).
    if (this.#killing) await this.#killing;
    // Leftover (dangling) links from a killed socat: remove them so we only see fresh ones.
    for (const p of [this.hostPath, this.devicePath]) {
      try {
        await lstat(p);
        await rm(p, { force: true });
      } catch {
        // not there
      }
    }
    const child = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.hostPath}`, `pty,raw,echo=0,link=${this.devicePath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#child = child;
    let log = '';
    let transferLoop = false;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      log = (log + s).slice(-4000);
      if (s.includes('starting data transfer loop')) transferLoop = true;
    });
    let exitInfo: string | undefined;
    let spawnError: Error | undefined;
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
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (spawnError) throw new PtyPairError(`cannot start socat (is it installed?): ${spawnError.message}`);
      if (exitInfo) throw new PtyPairError(`socat exited early (${exitInfo}): ${log.trim()}`);
      if (transferLoop && (await exists(this.hostPath)) && (await exists(this.devicePath))) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new PtyPairError(`socat did not create ${this.hostPath} and ${this.devicePath} within ${this.timeoutMs} ms: ${log.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * One kill at a time: a second kill() (a simulator's unplug fires one without waiting, then the test restarts)
   * joins the one in flight. Two running side by side could let the first one's rm — an lstat, then an unlink by
   * path — unlink the links the restarted socat had just made.
   */
  kill(): Promise<void> {
    this.#killing ??= this.#kill().finally(() => {
      this.#killing = undefined;
    });
    return this.#killing;
  }

  async #kill(): Promise<void> {
    const child = this.#child;
    if (child) {
      child.kill('SIGKILL');
      await this.#exited;
    }
    // As udev does when a USB adapter is pulled: the stable links go with the device. A dangling link
    // could otherwise come to name a /dev/pts node that the kernel hands to another test's pair.
    await Promise.all([rm(this.hostPath, { force: true }), rm(this.devicePath, { force: true })]);
  }

  killSync(): void {
    this.#child?.kill('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    await this.kill();
    this.#disposed = true;
    live.delete(this);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Creates a pty pair and waits until socat is ready; rejects with PtyPairError on failure or timeout. */
export async function createPtyPair(opts: PtyPairOptions = {}): Promise<PtyPair> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'kiosk-pty-'));
  const pair = new PtyPairImpl(dir, join(dir, 'host'), join(dir, 'dev'), opts.timeoutMs ?? 5000);
  live.add(pair);
  try {
    await pair.start();
  } catch (e) {
    await pair.dispose();
    throw e;
  }
  return pair;
}

/** Disposes every pair that is still alive. */
export async function disposeAllPtyPairs(): Promise<void> {
  await Promise.all([...live].map((p) => p.dispose()));
}

/**
 * Registers cleanup in the current vitest scope: every pair is disposed after each
 * test (and once more after all, for pairs made in beforeAll and kept alive on purpose,
 * pass `{ perTest: false }`).
 */
export function usePtyPairs(opts: { perTest?: boolean } = {}): void {
  if (opts.perTest ?? true) afterEach(disposeAllPtyPairs);
  afterAll(disposeAllPtyPairs);
}
