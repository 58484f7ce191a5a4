/**
 * The QR reader wired into the core: a receipt's QR reaches the case look-up (core.qr.onScan and the
 * 'qr.scanned' push, with the acceptance number and nothing else); in a matter's materials step an
 * e-certificate's code is forwarded raw to the platform, and only the platform's verdict provides the
 * material. Driven through the simulated reader (the driver's own simulator behind QrCodeReader).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { QrScanned, type ServerMessage, type SessionView, type StepViewOf } from '../../../main/contract/index.js';
import { acceptanceNumber } from '../../../main/core/delivery.js';
import { classifyScan, QrScans, type ScannedCode } from '../../../main/core/qr-scans.js';
import { startMatterKiosk, type MatterKiosk } from './matters-helpers.js';

const kiosks: MatterKiosk[] = [];
afterEach(async () => {
  for (const k of kiosks.splice(0)) await k.close();
});

const scan = (text: string, at = 1) => ({ bytes: new TextEncoder().encode(text), text, encoding: 'utf-8' as const, symbology: null, at });

describe('what a scan is', () => {
  fcTest.prop([fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/), fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 0, max: 4_102_444_800_000 })])(
    'every acceptance number a kiosk prints is read back as one',
    (terminal, id, enqueuedAt) => {
      const n = acceptanceNumber(terminal, { id, enqueuedAt });
      expect(classifyScan(scan(n))).toEqual({ kind: 'acceptance-number', acceptanceNumber: n, at: 1 });
    },
  );

  fcTest.prop([fc.uint8Array({ maxLength: 300 })])('any other payload is a code, kept byte for byte (never parsed)', (bytes) => {
    const c = classifyScan({ bytes, text: null, encoding: null, symbology: null, at: 2 });
    expect(c).toEqual({ kind: 'code', bytes, at: 2 });
  });

  it('a claim takes every scan while held; released, scans go to the listeners again', () => {
    const q = new QrScans(null);
    const seen: string[] = [];
    q.onScan((c) => seen.push(`listener ${c.kind}`));
    const code: ScannedCode = { kind: 'code', bytes: new Uint8Array([1]), at: 0 };
    q.deliver(code);
    const off = q.claim((c) => seen.push(`claim ${c.kind}`));
    q.deliver(code);
    off();
    q.deliver(code);
    expect(seen).toEqual(['listener code', 'claim code', 'listener code']);
    expect(q.present).toBe(false);
  });
});

async function kiosk(): Promise<MatterKiosk> {
  const k = await startMatterKiosk();
  kiosks.push(k);
  await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
  await k.waitFor(() => k.kiosk.core.supervisor.list().find((d) => d.kind === 'qr-reader')?.state === 'online', 'the QR reader online');
  return k;
}

const qrPushes = (pushed: ServerMessage[]): QrScanned[] =>
  pushed.flatMap((m) => (m.type === 'event' && m.name === 'qr.scanned' ? [QrScanned.parse(m.payload)] : []));

describe('the QR reader in the kiosk', () => {
  it('is a device of the supervisor; a receipt QR at the attract screen reaches the case look-up with its number, other codes without their payload', async () => {
    const k = await kiosk();
    expect(k.kiosk.core.supervisor.list().map((d) => [d.id, d.kind])).toEqual(
      expect.arrayContaining([
        ['scanner', 'scanner'],
        ['payment-pad', 'payment'],
        ['qr-reader', 'qr-reader'],
      ]),
    );
    const pushed: ServerMessage[] = [];
    k.kiosk.core.connect({ send: (m) => pushed.push(m) });
    const looked: ScannedCode[] = [];
    k.kiosk.core.qr.onScan((c) => looked.push(c));
    await k.kiosk.sim?.scanQr('NX-DEV-0001-20250115-000042');
    await k.waitFor(() => looked.length === 1, 'the receipt scanned');
    expect(looked[0]).toMatchObject({ kind: 'acceptance-number', acceptanceNumber: 'NX-DEV-0001-20250115-000042' });
    await k.waitFor(() => qrPushes(pushed).length === 1, 'the push');
    expect(qrPushes(pushed)[0]).toMatchObject({ kind: 'acceptance-number', acceptanceNumber: 'NX-DEV-0001-20250115-000042' });

    const secret = k.platform.certificateCode('SIM-household-register-resident-zhang') ?? '';
    await k.kiosk.sim?.scanQr(secret);
    await k.waitFor(() => qrPushes(pushed).length === 2, 'the second push');
    expect(qrPushes(pushed)[1]).toEqual({ kind: 'code', at: expect.any(Number) });
    // The code's payload never leaves the core towards the renderer.
    expect(JSON.stringify(pushed)).not.toContain(secret.slice(9));
  });

  it('in the materials step an e-certificate code is verified by the platform: someone else\'s, a receipt, an unknown code are refused in words; the citizen\'s own provides the material', async () => {
    const k = await kiosk();
    const pushed: ServerMessage[] = [];
    k.kiosk.core.connect({ send: (m) => pushed.push(m) });
    k.kiosk.sim?.placeCard('resident-zhang');
    await k.waitView((v) => v.screen === 'welcome' && v.matters !== null, 'the matter list');
    await k.ok('matter.choose', { code: 'SAMPLE-GA-0002' });
    await k.ok('matter.next', {});
    await k.waitView((v) => v.matter?.step.kind === 'form', 'the form');
    await k.ok('matter.input', { key: 'phone', value: '13912345678' });
    await k.ok('matter.input', { key: 'residence', value: '金凤区北京中路九号' });
    await k.ok('matter.next', {});
    await k.waitView((v) => v.matter?.step.kind === 'commitment', 'the commitment');
    await k.ok('matter.commit', {});
    await k.waitView((v) => v.matter?.step.kind === 'materials' && (v.matter.step as StepViewOf<'materials'>).phase === 'ready', 'the materials');
    const message = (v: SessionView): string => (v.matter?.step.kind === 'materials' ? ((v.matter.step as StepViewOf<'materials'>).message?.['zh-CN'] ?? '') : '');
    const shows = async (text: string): Promise<void> => {
      await k.waitView((v) => message(v).includes(text), `the message "${text}"`);
    };

    await k.kiosk.sim?.scanQr(k.platform.certificateCode('SIM-household-register-resident-longterm') ?? '');
    await shows('不属于');
    await k.kiosk.sim?.scanQr('NX-DEV-0001-20250115-000042');
    await shows('受理回执');
    await k.kiosk.sim?.scanQr('https://example.invalid/not-a-certificate');
    await shows('无法识别');
    await k.kiosk.sim?.scanQr(k.platform.certificateCode('SIM-residence-permit-resident-zhang') ?? '');
    const done = await k.waitView((v) => (v.matter?.step as StepViewOf<'materials'> | undefined)?.items?.find((i) => i.key === 'residencePermit')?.provided?.by === 'e-certificate', 'the permit provided by its code');
    expect(message(done)).toBe('');
    // While the step held the reader, nothing went to the attract screen's look-up.
    expect(qrPushes(pushed)).toEqual([]);
    // The platform was asked about every code but the receipt's.
    expect(k.proxy.requests.filter((r) => r.path === '/v1/codes/verify').map((r) => r.status)).toEqual([200, 200, 200]);

    await k.ok('matter.useCommitment', { material: 'residenceProof' });
    await k.ok('matter.next', {});
    await k.waitView((v) => v.matter?.step.kind === 'submit', 'the submit step');
    await k.ok('matter.submit', {});
    await k.waitFor(() => k.proxy.requests.some((r) => r.path === '/v1/cases' && r.status === 201), 'the case delivered');
    const body = JSON.parse(k.proxy.requests.find((r) => r.path === '/v1/cases' && r.status === 201)?.body.toString('utf8') ?? '{}') as { form: { materials: unknown[] } };
    expect(body.form.materials).toContainEqual({ key: 'residencePermit', by: 'e-certificate', certificateId: 'SIM-residence-permit-resident-zhang', certificateType: 'residence-permit' });
  });
});
