import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../../drivers/transport/memory.js';
import { PrinterSimulator, decodeEscPos, renderSvg } from '../../../drivers/receipt-printer/simulator.js';
import { EscPosEncoder } from '../../../drivers/receipt-printer/protocol/encoder.js';
import { acceptanceReceipt } from '../../../drivers/receipt-printer/templates.js';
import type { VirtualReceipt } from '../../../drivers/receipt-printer/protocol/decoder.js';
import { hex, toHex } from './helpers.js';
import { until } from '../../helpers/until.js';

function pair() {
  const [host, device] = MemoryTransport.pair({ maxChunk: 5 });
  const sim = new PrinterSimulator(device, { profile: '58mm' });
  const replies: number[] = [];
  host.onData((c) => replies.push(...c));
  /**
   * Everything written so far has been processed: a DLE EOT 1 written after it has been answered (the link keeps
   * order). Its status byte (0xx1x010: bits 1 and 4 set, 0 and 7 clear — no ASB byte has that shape) is the last
   * reply then, and is taken off the replies again.
   */
  const settle = async (): Promise<void> => {
    const n = replies.length;
    await host.write(hex('10 04 01'));
    await until('the probe answered', () => replies.length > n && ((replies.at(-1) ?? 0) & 0x93) === 0x12, 10_000);
    replies.pop();
  };
  return { host, sim, replies, settle };
}

describe('PrinterSimulator', () => {
  it('answers DLE EOT 1–4 with valid status bytes', async () => {
    const { host, sim, replies } = pair();
    sim.setFaults({ paperOut: true });
    await host.write(hex('10 04 01 10 04 02 10 04 03 10 04 04'));
    await until('four answers', () => replies.length >= 4, 10_000);
    expect(toHex(Uint8Array.from(replies))).toBe('1a 32 12 7e');
  });

  it('does not answer DLE EOT bytes inside raster parameters', async () => {
    const { host, replies, settle } = pair();
    await host.write(hex('1d 76 30 00 01 00 03 00 10 04 01'));
    await settle();
    expect(replies).toEqual([]);
  });

  it('sends an ASB block on GS a and on every state change', async () => {
    const { host, sim, replies, settle } = pair();
    await host.write(hex('1d 61 0f'));
    await settle();
    sim.setFaults({ coverOpen: true });
    sim.setFaults({ coverOpen: true });
    await settle();
    expect(toHex(Uint8Array.from(replies))).toBe('10 00 00 00 38 00 00 00');
  });

  it('paper out mid job: stops printing, discards data until cleared, reports via ASB', async () => {
    const { host, sim, replies, settle } = pair();
    await host.write(hex('1d 61 0f'));
    sim.setFaults({ paperOutAfterBytes: 11 }); // '0123456789' + LF
    await host.write(new EscPosEncoder().line('0123456789').line('lost').cut().encode());
    await settle();
    expect(sim.faults.paperOut).toBe(true);
    expect(sim.receipts()).toHaveLength(0);
    expect(sim.discardedBytes).toBeGreaterThan(0);
    expect(toHex(Uint8Array.from(replies.slice(-4)))).toBe('18 00 0f 00');
    sim.clearFaults();
    await host.write(new EscPosEncoder().line('after').cut().encode());
    await until('the receipt cut', () => sim.receipts().length === 1, 10_000);
    expect(sim.lastReceipt()?.text).toBe('0123456789\nafter');
  });

  it('silence answers nothing', async () => {
    const { host, sim, replies, settle } = pair();
    sim.setFaults({ silence: true });
    await host.write(hex('10 04 01 1d 61 0f'));
    sim.setFaults({ silence: false });
    await settle();
    expect(replies).toEqual([]);
  });

  it('emits a receipt on every cut', async () => {
    const { host, sim } = pair();
    const cut: VirtualReceipt[] = [];
    sim.onCut((r) => cut.push(r));
    await host.write(new EscPosEncoder().line('a').cut().line('b').cut('full').encode());
    await until('two cuts', () => cut.length === 2, 10_000);
    expect(cut.map((r) => [r.text, r.cut])).toEqual([
      ['a', 'partial'],
      ['b', 'full'],
    ]);
    expect(sim.lastReceipt()?.text).toBe('b');
  });
});

describe('renderSvg', () => {
  it('draws text, the QR matrix and images as an SVG document', () => {
    const bytes = new EscPosEncoder('58mm')
      .raw(acceptanceReceipt({
        terminalId: 'T1',
        siteName: '兴庆区 <站点> & 大厅',
        time: new Date(0),
        matterName: '事项',
        applicantName: '王*',
        maskedId: '640***',
        acceptanceNumber: 'A1',
        qrPayload: 'https://example.org/q',
        offline: false,
        profile: '58mm',
      }))
      .encode();
    const withImage = new Uint8Array([...bytes.subarray(0, bytes.length - 3), ...new EscPosEncoder('58mm').image({ width: 8, height: 2, pixels: new Uint8Array(16) }).encode(), ...bytes.subarray(bytes.length - 3)]);
    const r = decodeEscPos(withImage)[0];
    if (!r) throw new Error('no receipt');
    const svg = renderSvg(r, '58mm');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="408"')).toBe(true);
    expect(svg).toContain('受理回执');
    expect(svg).toContain('&gt; &amp; ');
    expect(svg).toContain('站点');
    expect(svg).toContain('<title>https://example.org/q</title>');
    expect(svg).toContain('font-weight="bold"');
    expect(svg).toMatch(/<path d="M\d/);
    expect(svg).toContain('partial cut');
  });
});
