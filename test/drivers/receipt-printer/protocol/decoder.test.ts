import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { EscPosInterpreter, decodeEscPos, parseCommand, type VirtualReceipt } from '../../../../drivers/receipt-printer/protocol/decoder.js';
import { EscPosEncoder } from '../../../../drivers/receipt-printer/protocol/encoder.js';
import { EscPosParseError } from '../../../../drivers/receipt-printer/protocol/errors.js';
import { FrameReader } from '../../../../drivers/transport/frame-reader.js';
import { hex } from '../helpers.js';

/** Decodes a stream delivered in the given chunks, the way the simulator does (through the shared FrameReader). */
function decodeChunks(chunks: Uint8Array[]): { receipts: VirtualReceipt[]; commands: string[] } {
  const it = new EscPosInterpreter();
  const receipts: VirtualReceipt[] = [];
  const commands: string[] = [];
  const reader = new FrameReader<ReturnType<typeof parseCommand>, never>({
    parse: (buf) => {
      const r = parseCommand(buf);
      return r.consumed === 0 ? { consumed: 0 } : { consumed: r.consumed, frame: r };
    },
    maxBuffered: 1 << 20,
    onFrame: (r) => {
      if (r.error) it.noteError(r.error);
      if (r.command) {
        if (r.command.op !== 'text') commands.push(r.command.op);
        const done = it.apply(r.command);
        if (done) receipts.push(done);
      }
    },
  });
  for (const c of chunks) reader.push(c);
  const rest = it.flush();
  if (rest) receipts.push(rest);
  return { receipts, commands };
}

const sample = new EscPosEncoder('58mm')
  .initialise()
  .align('center')
  .bold()
  .line('受理回执 𠀾')
  .bold(false)
  .qrcode('https://zwfw.nx.gov.cn/q?n=NX1')
  .barcode('NX-1')
  .image({ width: 16, height: 3, pixels: new Uint8Array(48) })
  .cut()
  .encode();

describe('parseCommand / interpreter', () => {
  it('decodes a whole receipt', () => {
    const [r] = decodeEscPos(sample);
    expect(r?.cut).toBe('partial');
    expect(r?.text).toBe('受理回执 𠀾');
    expect(r?.items.map((i) => i.type)).toEqual(['text', 'qr', 'barcode', 'image', 'feed']);
    expect(r?.errors).toEqual([]);
  });

  it.each(Array.from({ length: sample.length + 1 }, (_, i) => [i]))('the same receipt split at offset %i', (at) => {
    const { receipts } = decodeChunks([sample.subarray(0, at), sample.subarray(at)]);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.text).toBe('受理回执 𠀾');
    expect(receipts[0]?.items[1]).toMatchObject({ type: 'qr', data: 'https://zwfw.nx.gov.cn/q?n=NX1' });
  });

  it('DLE EOT inside raster data is data, not a status request', () => {
    const bytes = hex('1d 76 30 00 01 00 03 00 10 04 01 0a');
    const { commands } = decodeChunks([bytes]);
    expect(commands).toEqual(['raster', 'lf']);
  });

  it('DLE EOT between commands is a status request', () => {
    const { commands } = decodeChunks([hex('1b 40 10 04 04 0a')]);
    expect(commands).toEqual(['init', 'realtime-status', 'lf']);
  });

  it('splits receipts at cuts', () => {
    const b = new EscPosEncoder().line('one').cut('full').line('two').cut().line('three').encode();
    const rs = decodeEscPos(b);
    expect(rs.map((r) => [r.text, r.cut])).toEqual([
      ['one', 'full'],
      ['two', 'partial'],
      ['three', undefined],
    ]);
  });

  it('unknown commands are typed errors and recorded on the receipt', () => {
    const r = parseCommand(hex('1b 99'));
    expect(r.consumed).toBe(2);
    expect(r.error).toBeInstanceOf(EscPosParseError);
    expect(decodeEscPos(hex('41 1b 99 0a'))[0]?.errors).toHaveLength(1);
  });

  it('incomplete commands need more bytes', () => {
    expect(parseCommand(hex('1d 28 6b 06 00 31 50 30 41'))).toEqual({ consumed: 0 });
    expect(parseCommand(hex('1d 76 30 00 01 00 02 00 ff'))).toEqual({ consumed: 0 });
    expect(parseCommand(hex('10 04'))).toEqual({ consumed: 0 });
  });

  it('bytes above 0x7F outside Chinese mode are flagged', () => {
    const r = decodeEscPos(hex('d6 d0 0a'))[0];
    expect(r?.text).toBe('\ufffd\ufffd');
    expect(r?.errors.length).toBe(1);
  });

  test.prop([fc.uint8Array({ maxLength: 200 })])('arbitrary bytes: typed outcomes, consumed <= length', (bytes) => {
    const r = parseCommand(bytes);
    expect(r.consumed).toBeLessThanOrEqual(bytes.length);
    if (r.error) expect(r.error).toBeInstanceOf(EscPosParseError);
    expect(() => decodeEscPos(bytes)).not.toThrow();
  });

  test.prop([fc.array(fc.constantFrom(...[0x10, 0x1b, 0x1c, 0x1d, 0x0a, 0x04, 0x28, 0x6b, 0x76, 0x30, 0x26, 0x2e, 0x56, 0x81, 0x31]), { maxLength: 120 })])(
    'command-heavy noise never throws',
    (arr) => {
      const rs = decodeEscPos(Uint8Array.from(arr));
      expect(Array.isArray(rs)).toBe(true);
    },
  );
});
