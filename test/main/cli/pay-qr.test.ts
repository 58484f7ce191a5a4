/**
 * kioskctl pay … and qr read as a technician runs them: real kioskctl processes on one end of a real
 * pseudo-terminal pair (socat), a simulator on the other (in this process, or `kioskctl sim …`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { PadSimulator, type PadSimulatorOptions } from '../../../drivers/payment-pad/simulator.js';
import { encodeSerialScan } from '../../../drivers/qr-reader/protocol/serial.js';
import { LinkKeeper } from '../../../drivers/transport/keeper.js';
import { SerialOpener, SerialTransport } from '../../../drivers/transport/serial.js';
import { SimProcess, expectOneLineError, kioskctl } from '../../helpers/kioskctl.js';
import { createPtyPair, usePtyPairs } from '../../helpers/pty.js';

usePtyPairs();

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

/** A pad simulator on the device end of a fresh pty pair; returns the host path for kioskctl. */
async function padOnPty(opts: PadSimulatorOptions = {}): Promise<{ host: string; sim: PadSimulator }> {
  const pty = await createPtyPair();
  const sim = new PadSimulator(undefined, { ackTimeoutMs: 300, ...opts });
  const keeper = new LinkKeeper(new SerialOpener({ path: pty.devicePath, baudRate: 9600 }), { baseMs: 50, capMs: 200 });
  keeper.on((e) => {
    if (e.type === 'up') sim.attach(e.transport);
  });
  keeper.start();
  await keeper.ready(AbortSignal.timeout(5000));
  stops.push(async () => {
    sim.dispose();
    await keeper.stop();
  });
  return { host: pty.hostPath, sim };
}

describe('kioskctl pay against a pad simulator (pty)', () => {
  it('sale → status → reverse on a simulator, with --json', async () => {
    const { host, sim } = await padOnPty();
    const sale = await kioskctl(['pay', 'sale', '--direct', '--port', host, '--amount', '12.50', '--reference', 'tech-test-1', '--json']);
    expect(sale.stderr).toBe('');
    expect(sale.code).toBe(0);
    const s = JSON.parse(sale.stdout) as { outcome: string; serviceId: string; amountFen: number; poiTransaction: { transactionId: string } };
    expect(s).toMatchObject({ outcome: 'approved', amountFen: 1250, authorizedFen: 1250 });
    expect(sim.captured()).toMatchObject([{ saleTransactionId: 'tech-test-1', amountFen: 1250 }]);

    const status = await kioskctl(['pay', 'status', '--direct', '--port', host, '--service-id', s.serviceId, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ poiId: 'SIM-PAD-01', status: 'found', payment: { outcome: 'approved', poiTransaction: { transactionId: s.poiTransaction.transactionId } } });

    const rev = await kioskctl(['pay', 'reverse', '--direct', '--port', host, '--service-id', s.serviceId, '--json']);
    expect(rev.code).toBe(0);
    expect(JSON.parse(rev.stdout)).toMatchObject({ outcome: 'reversed', reversedFen: 1250, reference: s.poiTransaction.transactionId });
    expect(sim.captured()).toEqual([]);
  });

  it('a real pad (not SIM-…): sale and reverse refuse without --confirm-real-payment, and nothing is charged', async () => {
    const { host, sim } = await padOnPty({ poiId: 'P400-0042' });
    const refused = await kioskctl(['pay', 'sale', '--direct', '--port', host, '--amount', '1.00']);
    expectOneLineError(refused, /^kioskctl pay sale: refusing to charge ¥1\.00 on the real payment pad P400-0042: .*--confirm-real-payment/);
    expect(refused.code).toBe(2);
    expect(sim.ledger()).toEqual([]);
    const ok = await kioskctl(['pay', 'sale', '--direct', '--port', host, '--amount', '1.00', '--confirm-real-payment', '--json']);
    expect(ok.code).toBe(0);
    expect(sim.captured()).toHaveLength(1);
    const rev = await kioskctl(['pay', 'reverse', '--direct', '--port', host, '--service-id', (JSON.parse(ok.stdout) as { serviceId: string }).serviceId]);
    expectOneLineError(rev, /refusing to reverse a payment on the real payment pad P400-0042/);
    expect(sim.captured()).toHaveLength(1);
  });

  it('timeout after debit: the command asks the pad at once and reports the one charge; a decline exits non-zero', async () => {
    const { host, sim } = await padOnPty();
    sim.setFaults({ timeoutAfterDebit: true });
    const r = await kioskctl(['pay', 'sale', '--direct', '--port', host, '--amount', '3', '--payment-timeout', '1000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('confirmed by a status inquiry');
    expect(sim.captured()).toHaveLength(1);
    sim.clearFaults();
    sim.setFaults({ decline: true });
    const d = await kioskctl(['pay', 'sale', '--direct', '--port', host, '--amount', '3']);
    expectOneLineError(d, /^kioskctl pay sale: the payment was declined \(refused\); nothing was charged$/);
  });

  it('kioskctl sim pay serves kioskctl pay sale across processes', async () => {
    const pty = await createPtyPair();
    const simProc = await SimProcess.start(['pay', '--port', pty.devicePath]);
    stops.push(() => simProc.stop());
    const r = await kioskctl(['pay', 'sale', '--direct', '--port', pty.hostPath, '--amount', '0.01', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: 'approved', amountFen: 1 });
    await simProc.control('ledger');
    expect(simProc.events.at(-1)).toMatchObject({ event: 'control', charged: 1, reversed: 0 });
  });

  it('bad amounts are usage errors before anything is opened', async () => {
    const r = await kioskctl(['pay', 'sale', '--direct', '--port', '/nonexistent', '--amount', '12.345']);
    expectOneLineError(r, /--amount must be yuan with at most two decimals/);
    expect(r.code).toBe(2);
  });
});

const BIN = join(process.cwd(), 'bin', 'kioskctl.mjs');

/** Runs `kioskctl qr read …` while the device end keeps sending `frame` until the command exits. */
async function readWhileSending(args: string[], devicePath: string, frame: Uint8Array): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const device = await SerialTransport.open({ path: devicePath, baudRate: 9600 });
  try {
    const child = spawn(process.execPath, [BIN, 'qr', 'read', '--direct', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    let done = false;
    void exited.then(() => (done = true));
    // The reader opens its port a moment after start-up: keep scanning until it has read one.
    const deadline = Date.now() + 20_000;
    while (!done && Date.now() < deadline) {
      await device.write(frame).catch(() => undefined);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 150))]);
    }
    if (!done) child.kill('SIGKILL');
    return { code: await exited, stdout, stderr };
  } finally {
    await device.close();
  }
}

describe('kioskctl qr read (pty)', () => {
  it('prints the payload a device on the other end of a pty sends (--json)', async () => {
    const pty = await createPtyPair();
    const r = await readWhileSending(['--port', pty.hostPath, '--json'], pty.devicePath, encodeSerialScan(new TextEncoder().encode('NX-YC-0001-20260302-0042'), 'cr'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ text: 'NX-YC-0001-20260302-0042', encoding: 'utf-8', bytes: 24, hex: Buffer.from('NX-YC-0001-20260302-0042').toString('hex') });
  });

  it('a GB18030 code with CR LF, printed as text for a person', async () => {
    const pty = await createPtyPair();
    const r = await readWhileSending(['--port', pty.hostPath, '--terminator', 'crlf'], pty.devicePath, encodeSerialScan(new Uint8Array(iconv.encode('宁夏政务服务网', 'gb18030')), 'crlf'));
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('宁夏政务服务网');
  });

  it('no code in time: one line and a non-zero exit', async () => {
    const pty = await createPtyPair();
    const r = await kioskctl(['qr', 'read', '--direct', '--port', pty.hostPath, '--timeout', '300']);
    expectOneLineError(r, /^kioskctl qr read: qr-reader: no code was scanned within 300 ms/);
  });
});
