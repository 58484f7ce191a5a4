/**
 * The protocol trace: frames named from the real byte streams (drivers against their simulators over tapped
 * memory links), never any citizen data — whatever identity is on the card or on the receipt — and a ring that
 * folds repeating polls without losing count.
 */
import { fc, test as ftest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { readCardOnce } from '../../../drivers/id-card/reader.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { IdCardSimulator } from '../../../drivers/id-card/simulator.js';
import type { IdentityRecord } from '../../../drivers/id-card/types.js';
import { EscPosPrinter } from '../../../drivers/receipt-printer/printer.js';
import { PrinterSimulator } from '../../../drivers/receipt-printer/simulator.js';
import { EscPosEncoder } from '../../../drivers/receipt-printer/protocol/encoder.js';
import { MemoryPort } from '../../../drivers/transport/memory.js';
import type { TraceEntry } from '../../../main/contract/index.js';
import { DeviceTrace, TraceRing } from '../../../main/core/trace.js';

function hexOf(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Every way a value could show up in a trace: the text, and its bytes as UCS-2 (the card), UTF-8, GB18030-ish runs. */
function leaks(entries: readonly TraceEntry[], values: readonly string[]): string[] {
  const text = JSON.stringify(entries);
  const found: string[] = [];
  for (const v of values.filter((x) => x.length >= 2)) {
    if (text.includes(v)) found.push(v);
    for (const enc of [Buffer.from(v, 'utf16le'), Buffer.from(v, 'utf8')]) {
      // At least 4 bytes of it, so a two-byte coincidence with a status word does not count.
      if (enc.length >= 4 && text.includes(hexOf(enc.subarray(0, Math.min(enc.length, 6))))) found.push(`${v} (as bytes)`);
    }
  }
  return found;
}

const sample = SAMPLE_IDENTITIES['resident-zhang'];

async function traceACardRead(card: IdentityRecord): Promise<TraceEntry[]> {
  const trace = new DeviceTrace();
  let sim: IdCardSimulator | undefined;
  const opener = trace.wrap('id-card', 'id-card', new MemoryPort('memory:id-card', (end) => {
    sim = new IdCardSimulator(end);
    sim.place(card);
  }));
  const t = await opener.open();
  try {
    const read = await readCardOnce(t, { signal: AbortSignal.timeout(10_000), timeoutMs: 5000, pollMs: 5 });
    expect(read.idNumber).toBe(card.idNumber);
  } finally {
    sim?.dispose();
    await t.close();
  }
  return trace.list('id-card', 200) ?? [];
}

describe('ID card reader trace', () => {
  it('names every frame, shows the read reply’s status and length, and none of the card', async () => {
    if (!sample) throw new Error('sample expected');
    const entries = await traceACardRead(sample);
    const names = entries.map((e) => `${e.dir} ${e.name}`);
    expect(names).toEqual(expect.arrayContaining(['tx find card', 'tx select card', 'tx read card', expect.stringMatching(/^rx read card reply 90 \(operation OK\), \d+ data bytes$/)]));
    const reply = entries.find((e) => e.name.startsWith('read card reply'));
    expect(reply?.length).toBeGreaterThan(1000);
    // The header: preamble, LEN, SW1 SW2 SW3 — ten bytes, nothing after.
    expect(reply?.header).toMatch(/^aa aa aa 96 69 [0-9a-f]{2} [0-9a-f]{2} 00 00 90$/);
    expect(leaks(entries, [sample.name, sample.idNumber, sample.address, sample.issuer, sample.birthDate])).toEqual([]);
  });

  ftest.prop(
    [
      fc.record({
        name: fc.stringMatching(/^[\u4e00-\u9fa5]{2,4}$/),
        address: fc.stringMatching(/^[\u4e00-\u9fa5]{6,20}$/),
        idDigits: fc.stringMatching(/^\d{17}$/),
      }),
    ],
    { numRuns: 20 },
  )('for any name, address and ID number on the card', async ({ name, address, idDigits }) => {
    if (!sample) throw new Error('sample expected');
    const card: IdentityRecord = { ...sample, name, address, idNumber: `${idDigits}X`, idNumberValid: false, photo: null };
    const entries = await traceACardRead(card);
    expect(entries.some((e) => e.name.startsWith('read card reply 90'))).toBe(true);
    expect(leaks(entries, [name, address, card.idNumber])).toEqual([]);
  });
});

describe('receipt printer trace', () => {
  it('shows a print job as its commands, never the receipt text or the QR code’s content', async () => {
    const trace = new DeviceTrace();
    const sim = new PrinterSimulator(undefined, { profile: '80mm' });
    const printer = new EscPosPrinter('receipt-printer', trace.wrap('receipt-printer', 'receipt-printer', new MemoryPort('memory:printer', (end) => sim.attach(end))), { pollIntervalMs: 0 });
    printer.start();
    const secret = '申请人张三 110101199003072316';
    try {
      const job = new EscPosEncoder('80mm').initialise().align('center').text(secret).newline().qrcode(`NX-0001-20260301-000042 ${secret}`, { errorLevel: 'L' }).newline().cut('partial').encode();
      await printer.print(job, { signal: AbortSignal.timeout(10_000) });
    } finally {
      await printer.close();
    }
    const entries = trace.list('receipt-printer', 200) ?? [];
    const writes = entries.filter((e) => e.dir === 'tx' && !e.name.startsWith('status request') && e.name !== 'ASB on' && e.name !== 'GS I');
    expect(writes.map((w) => w.name).join(' | ')).toMatch(/init.*align.*text.*lf.*qr.*cut/);
    expect(entries.some((e) => e.dir === 'rx' && e.name.startsWith('DLE EOT'))).toBe(true);
    expect(leaks(entries, ['申请人张三', '110101199003072316', 'NX-0001-20260301-000042'])).toEqual([]);
    // GB18030 bytes of the text never appear either.
    expect(JSON.stringify(entries)).not.toMatch(/c9 ea c7 eb/); // 申请 in GB18030
  });
});

describe('the trace ring', () => {
  const e = (name: string, dir: 'tx' | 'rx' = 'tx'): Omit<TraceEntry, 'repeat'> => ({ at: 0, dir, name, length: 1, header: '' });

  it('folds a repeating poll (request, answers) into one cycle with a count', () => {
    const r = new TraceRing(50);
    r.add(e('SAM status'));
    for (let i = 0; i < 10; i++) {
      r.add(e('find card'));
      r.add(e('no card', 'rx'));
    }
    r.add(e('find card'));
    r.add(e('card', 'rx'));
    expect(r.list(50).map((x) => `${x.name}×${x.repeat}`)).toEqual(['SAM status×1', 'find card×10', 'no card×10', 'find card×1', 'card×1']);
  });

  ftest.prop([fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 300 }), fc.integer({ min: 10, max: 60 })])('never loses a count and never outgrows its capacity', (names, capacity) => {
    const r = new TraceRing(capacity);
    for (const n of names) r.add(e(n));
    const list = r.list(10_000);
    expect(list.length).toBeLessThanOrEqual(capacity + 6);
    const total = list.reduce((s, x) => s + x.repeat, 0);
    if (names.length <= capacity) expect(total).toBe(names.length);
    else expect(total).toBeLessThanOrEqual(names.length);
    // The newest frame is always the last one shown.
    if (names.length > 0) expect(list[list.length - 1]?.name).toBe(names[names.length - 1]);
  });
});
