/**
 * Driver codecs against the wire: CPU time to decode one card read and to encode one acceptance
 * receipt, as a share of the time the same bytes take on a 115,200 baud 8N1 line (10 bits a byte).
 * Target: under 1 % — the codecs must never be what a citizen waits for.
 */
import { encodeResponse, parseResponse } from '../drivers/id-card/protocol/frame.js';
import { decodeReadReply, encodeReadReplyData } from '../drivers/id-card/protocol/read-reply.js';
import { sampleRecord } from '../drivers/id-card/samples.js';
import { acceptanceReceipt, warmUpGb18030, type AcceptanceReceiptInput } from '../drivers/receipt-printer/index.js';
import type { BenchRow } from './run.js';
import type { BenchSection } from './sections.js';

const BAUD = 115_200;
const BITS_PER_BYTE = 10; // start + 8 data + stop

function wireMs(bytes: number): number {
  return ((bytes * BITS_PER_BYTE) / BAUD) * 1000;
}

/** Mean ms per call over `iterations`, after a warm-up. */
function timePerCall(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return (performance.now() - t0) / iterations;
}

/** A receipt of no one's data, with every kind of content (2- and 4-byte GB18030, a QR code). */
export const RECEIPT: AcceptanceReceiptInput = {
  terminalId: 'NX-YC-0001',
  siteName: '银川市民大厅',
  time: new Date('2026-03-01T16:30:00Z'),
  matterName: '城乡居民基本养老保险参保登记',
  applicantName: '䶮*',
  maskedId: '6401**********123X',
  acceptanceNumber: 'NX-YC-0001-20260302-0042',
  qrPayload: 'https://zwfw.nx.gov.cn/progress?n=NX-YC-0001-20260302-0042',
  offline: true,
  profile: '80mm',
};

export const driversSection: BenchSection = {
  name: 'drivers: codec CPU time vs wire time at 115,200 baud',
  async run(): Promise<BenchRow[]> {
    const record = sampleRecord('resident-rare');
    if (!record) throw new Error('sample resident-rare missing');
    const frame = encodeResponse(0, 0, 0x90, encodeReadReplyData(record));
    let sink = 0;
    const decodeMs = timePerCall(5000, () => {
      const p = parseResponse(frame);
      if (!p.frame) throw new Error('read reply did not parse');
      const r = decodeReadReply(p.frame);
      if (r.error) throw r.error;
      sink += r.record.name.length;
    });

    warmUpGb18030();
    const receipt = acceptanceReceipt(RECEIPT);
    const encodeMs = timePerCall(500, () => {
      sink += acceptanceReceipt(RECEIPT).length;
    });
    if (sink === 0) throw new Error('unreachable');

    const cardWire = wireMs(frame.length);
    const receiptWire = wireMs(receipt.length);
    return [
      { name: 'card read reply size', value: frame.length, unit: 'bytes', detail: '30 01 reply frame: text block + WLT photo' },
      {
        name: 'decode one card read (parseResponse + decodeReadReply)',
        value: (decodeMs / cardWire) * 100,
        unit: '%',
        detail: `${(decodeMs * 1000).toFixed(1)} µs CPU vs ${cardWire.toFixed(1)} ms on the wire (${frame.length} B × 10 bit / 115200), mean of 5000`,
        target: '< 1 %',
      },
      { name: 'acceptance receipt size', value: receipt.length, unit: 'bytes', detail: 'ESC/POS, 80 mm, GB18030 Chinese + QR code + cut' },
      {
        name: 'encode one acceptance receipt',
        value: (encodeMs / receiptWire) * 100,
        unit: '%',
        detail: `${(encodeMs * 1000).toFixed(1)} µs CPU vs ${receiptWire.toFixed(1)} ms on the wire (${receipt.length} B × 10 bit / 115200), mean of 500`,
        target: '< 1 %',
      },
    ];
  },
};
