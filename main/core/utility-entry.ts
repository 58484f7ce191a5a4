/**
 * Entry of the core inside Electron's utilityProcess. It never imports `electron`:
 * `process.parentPort` is a Node-side global there. Main sends `{type:'connect'}` with a
 * MessagePort (once per renderer load); the contract's envelopes travel over that port.
 */
import { KioskCore } from './kiosk.js';
import { ProfileError } from './profile.js';
import { CORE_EXIT, CoreToShellMessage, MAX_FATAL_MESSAGE, ShellToCoreMessage, type ServerMessage } from '../contract/index.js';

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

/** Every message to the shell is checked against the contract before it leaves (the shell checks it again). */
function toShell(port: ParentPortLike, message: CoreToShellMessage): void {
  port.postMessage(CoreToShellMessage.parse(message));
}

async function main(): Promise<void> {
  if (!parentPort) {
    console.error('kiosk core: utility-entry must run inside an Electron utilityProcess');
    process.exit(CORE_EXIT.usage);
  }
  let core: KioskCore;
  try {
    core = await KioskCore.start({ profilePath: process.env.KIOSK_PROFILE ?? null, host: 'electron' });
  } catch (e) {
    // A bad profile will not get better by restarting: tell the shell (out of service, no restart loop).
    // Anything else is a crash, which the shell's supervisor restarts a capped number of times.
    if (!(e instanceof ProfileError)) throw e;
    toShell(parentPort, { type: 'fatal', message: e.message.slice(0, MAX_FATAL_MESSAGE) });
    process.exitCode = CORE_EXIT.config;
    setTimeout(() => process.exit(CORE_EXIT.config), 100);
    return;
  }
  let current: { port: PortLike; detach: () => void } | null = null;
  parentPort.on('message', (e) => {
    const msg = ShellToCoreMessage.safeParse(e.data);
    const port = e.ports[0];
    if (!msg.success || msg.data.type !== 'connect' || !port) {
      core.log.warn('ignored a message from the shell that is not in the contract');
      return;
    }
    // A renderer reload brings a new port; the old one is dropped.
    current?.detach();
    current?.port.close();
    const conn = { send: (m: ServerMessage) => port.postMessage(m) };
    const detach = core.connect(conn, msg.data.audience === 'technician' ? 'technician' : 'citizen');
    port.on('message', (ev) => void core.receive(conn, ev.data));
    port.on('close', detach);
    port.start();
    current = { port, detach };
  });
  const stop = (): void => {
    void core.close().finally(() => process.exit(CORE_EXIT.ok));
  };
  process.on('SIGTERM', stop);
  toShell(parentPort, { type: 'ready' });
}

main().catch((e: unknown) => {
  // A crash: the shell restarts the core with backoff (CORE_EXIT.crash is any code but ok and config).
  console.error(`kiosk core: failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(CORE_EXIT.crash);
});
