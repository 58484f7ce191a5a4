/**
 * Entry of the core inside Electron's utilityProcess. It never imports `electron`:
 * `process.parentPort` is a Node-side global there. Main sends `{type:'connect'}` with a
 * MessagePort (once per renderer load); the contract's envelopes travel over that port.
 */
import { KioskCore } from './kiosk.js';
import { ProfileError } from './profile.js';
import type { ServerMessage } from '../contract/index.js';

interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  start(): void;
  close(): void;
}
interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;

async function main(): Promise<void> {
  if (!parentPort) {
    console.error('kiosk core: utility-entry must run inside an Electron utilityProcess');
    process.exit(2);
  }
  let core: KioskCore;
  try {
    core = await KioskCore.start({ profilePath: process.env.KIOSK_PROFILE ?? null, host: 'electron' });
  } catch (e) {
    // A bad profile will not get better by restarting: tell the shell (out of service, no restart loop).
    // Anything else is a crash, which the shell's supervisor restarts a capped number of times.
    if (!(e instanceof ProfileError)) throw e;
    parentPort.postMessage({ type: 'fatal', message: e.message });
    process.exitCode = 3;
    setTimeout(() => process.exit(3), 100);
    return;
  }
  let current: { port: PortLike; detach: () => void } | null = null;
  parentPort.on('message', (e) => {
    const msg = e.data as { type?: unknown; audience?: unknown } | null;
    const port = e.ports[0];
    if (msg?.type !== 'connect' || !port) return;
    // A renderer reload brings a new port; the old one is dropped.
    current?.detach();
    current?.port.close();
    const conn = { send: (m: ServerMessage) => port.postMessage(m) };
    const detach = core.connect(conn, msg.audience === 'technician' ? 'technician' : 'citizen');
    port.on('message', (ev) => void core.receive(conn, ev.data));
    port.on('close', detach);
    port.start();
    current = { port, detach };
  });
  const stop = (): void => {
    void core.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  parentPort.postMessage({ type: 'ready' });
}

void main();
