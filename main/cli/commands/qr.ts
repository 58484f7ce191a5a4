/**
 * QR reader commands for technicians: read one code (serial or HID POS), and run a reader simulator on
 * a serial link. `qr read` prints the payload to the technician's terminal — that is its purpose (it may
 * be an e-ID code: nothing here logs it).
 */
import { DeviceError } from '../../../drivers/device.js';
import { HIDPOS_RECORD, HIDPOS_REPORT_ID, HIDPOS_USAGE_PAGE } from '../../../drivers/qr-reader/protocol/hidpos.js';
import { TERMINATORS, type Terminator } from '../../../drivers/qr-reader/protocol/serial.js';
import { QrCodeReader, type QrReaderMode } from '../../../drivers/qr-reader/reader.js';
import { QrReaderSimulator, type QrFaults } from '../../../drivers/qr-reader/simulator.js';
import type { QrScan } from '../../../drivers/qr-reader/types.js';
import { HidOpener, type HidOpenerOptions } from '../../../drivers/transport/hid.js';
import { SerialOpener } from '../../../drivers/transport/serial.js';
import type { TransportOpener } from '../../../drivers/transport/transport.js';
import { UsageError, intOption, type Command } from '../framework.js';
import { baudOption, controlLines, eventOut, faultOption, portOption, serveSimulator } from './common.js';

function terminatorOption(values: Record<string, unknown>): Terminator {
  const t = values.terminator === undefined ? 'cr' : String(values.terminator).toLowerCase();
  if (!(TERMINATORS as readonly string[]).includes(t)) throw new UsageError(`--terminator must be one of ${TERMINATORS.join(', ')}, got "${t}"`);
  return t as Terminator;
}

/** `--hid /dev/hidraw-qr` or `--hid 0c2e:0b61` (the 0x8C interface of that device). */
function hidOpener(spec: string): HidOpener {
  const framing = { reportId: HIDPOS_REPORT_ID, reportSize: HIDPOS_RECORD, lengthPrefix: false };
  const ids = /^([0-9a-f]{4}):([0-9a-f]{4})$/i.exec(spec);
  const o: HidOpenerOptions = ids ? { vendorId: parseInt(ids[1] as string, 16), productId: parseInt(ids[2] as string, 16), usagePage: HIDPOS_USAGE_PAGE, ...framing } : { path: spec, ...framing };
  return new HidOpener(o);
}

export interface ScanJson {
  text: string | null;
  encoding: QrScan['encoding'];
  symbology: string | null;
  bytes: number;
  hex: string;
  at: string;
}

export function scanToJson(s: QrScan): ScanJson {
  return { text: s.text, encoding: s.encoding, symbology: s.symbology, bytes: s.bytes.length, hex: Buffer.from(s.bytes).toString('hex'), at: new Date(s.at).toISOString() };
}

const qrRead: Command = {
  path: ['qr', 'read'],
  summary: 'Waits for one code on the QR reader and prints it: serial (--port, payload + --terminator) or HID POS (--hid PATH|VID:PID, usage page 0x8C).',
  usage: '(--port PATH [--terminator cr|lf|crlf] [--aim] [--baud 9600] | --hid PATH|VID:PID) [--timeout 30000] [--json]',
  options: { port: { type: 'string' }, hid: { type: 'string' }, baud: { type: 'string' }, terminator: { type: 'string' }, aim: { type: 'boolean' }, timeout: { type: 'string' } },
  async run(values, ctx) {
    const timeoutMs = intOption(values, 'timeout', 30_000, 100, 3_600_000);
    let opener: TransportOpener;
    let mode: QrReaderMode;
    if (typeof values.hid === 'string' && values.hid !== '') {
      if (values.port !== undefined) throw new UsageError('give --port (serial) or --hid, not both');
      opener = hidOpener(values.hid);
      mode = { mode: 'hid-pos' };
    } else {
      opener = new SerialOpener({ path: portOption(values), baudRate: baudOption(values, 9600) });
      mode = { mode: 'serial', terminator: terminatorOption(values), aimPrefix: values.aim === true };
    }
    const reader = new QrCodeReader('qr-reader', opener, mode, { keeper: { baseMs: 100, capMs: 500 } });
    const scan = reader.nextScan({ signal: ctx.signal, timeoutMs });
    scan.catch(() => undefined);
    reader.start();
    try {
      const s = await scan.catch((e: unknown) => {
        const down = reader.status().lastError;
        if (reader.status().state !== 'online' && down) throw new DeviceError('qr-reader', 'disconnected', `the QR reader at ${opener.path} is not connected: ${down.message}`, down.action, down.fault);
        throw e;
      });
      const json = scanToJson(s);
      return { data: json, human: [s.text ?? `(binary, ${json.bytes} bytes) ${json.hex}`] };
    } finally {
      await reader.close();
    }
  },
};

const QR_FAULTS: Record<string, Partial<QrFaults>> = { none: {}, repeat: { repeat: 3 }, 'drop-terminator': { dropTerminator: true } };

const simQr: Command = {
  path: ['sim', 'qr'],
  summary: 'Runs a serial QR reader simulator on --port until Ctrl-C. stdin lines: "scan TEXT" (sent as UTF-8), "scan-hex HEX", "fault NAME".',
  usage: `--port PATH [--terminator cr|lf|crlf] [--fault ${Object.keys(QR_FAULTS).join('|')}] [--baud 9600] [--json]`,
  options: { port: { type: 'string' }, baud: { type: 'string' }, terminator: { type: 'string' }, fault: { type: 'string' } },
  async run(values, ctx) {
    const path = portOption(values);
    const baud = baudOption(values, 9600);
    const terminator = terminatorOption(values);
    const sim = new QrReaderSimulator(undefined, { mode: 'serial', terminator });
    sim.setFaults(faultOption(values, QR_FAULTS));
    const emit = eventOut(ctx);
    const stopControl = controlLines(ctx, async (words, line) => {
      const [cmd, arg] = words;
      if (cmd === 'scan' && arg) await sim.scan(line.slice(line.indexOf(' ') + 1));
      else if (cmd === 'scan-hex' && arg && /^([0-9a-f]{2})+$/i.test(arg)) await sim.scan(new Uint8Array(Buffer.from(arg, 'hex')));
      else if (cmd === 'fault' && arg) {
        const f = faultOption({ fault: arg }, QR_FAULTS);
        sim.clearFaults();
        sim.setFaults(f);
      } else throw new UsageError(`unknown control line "${words.join(' ')}" (scan TEXT, scan-hex HEX, fault NAME)`);
      emit('control', { command: cmd }, `control: ${cmd}`);
    });
    await serveSimulator(ctx, { path, baud, sim, stopControl, ready: () => emit('ready', { path, baud, terminator }, `QR reader simulator ready on ${path} (${baud} baud, ${terminator.toUpperCase()}); Ctrl-C stops it`) });
    return { data: { stopped: true, sent: sim.sent }, human: [`simulator stopped: ${sim.sent} codes sent`] };
  },
};

/** QR reader commands: qr read, sim qr. */
export const commands: Command[] = [qrRead, simQr];
