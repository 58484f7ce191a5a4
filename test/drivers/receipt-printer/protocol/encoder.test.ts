import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { PNG } from 'pngjs';
import { EscPosEncoder, displayWidth, wrapByWidth, wrapWords } from '../../../../drivers/receipt-printer/protocol/encoder.js';
import { decodeEscPos } from '../../../../drivers/receipt-printer/protocol/decoder.js';
import { EscPosEncodeError } from '../../../../drivers/receipt-printer/protocol/errors.js';
import { gb18030CodePoint } from '../../../../drivers/receipt-printer/protocol/gb18030.js';
import { PRINTER_PROFILES } from '../../../../drivers/receipt-printer/protocol/profiles.js';
import { RARE, fixtures, hex, indexOfBytes, toHex } from '../helpers.js';

const calls: Record<string, (e: EscPosEncoder) => EscPosEncoder> = {
  initialise: (e) => e.initialise(),
  bold: (e) => e.bold(),
  underline: (e) => e.underline(),
  fontB: (e) => e.font('B'),
  alignCenter: (e) => e.align('center'),
  alignRight: (e) => e.align('right'),
  size23: (e) => e.size(2, 3),
  size88: (e) => e.size(8, 8),
  invert: (e) => e.invert(),
  lineSpacing40: (e) => e.lineSpacing(40),
  lineSpacingDefault: (e) => e.lineSpacing(),
  feed3: (e) => e.feed(3),
  cutFull: (e) => e.cut('full'),
  cutPartial: (e) => e.cut('partial'),
  textChinese: (e) => e.text('中文'),
  textMixed: (e) => e.text('A中B'),
  textFourByte: (e) => e.text('𠀾'),
  barcode: (e) => e.barcode('A12'),
};

function expectEncodeError(f: () => unknown, reason: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EscPosEncodeError);
    expect((e as EscPosEncodeError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected EscPosEncodeError ${reason}`);
}

describe('EscPosEncoder byte fixtures', () => {
  it.each(fixtures.commands.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const call = calls[c.call];
    if (!call) throw new Error(`no call ${c.call}`);
    expect(toHex(call(new EscPosEncoder('58mm')).encode())).toBe(c.hex);
  });

  it('QR for "ABC": model, size, level, store (fixture), print', () => {
    const b = new EscPosEncoder('58mm').qrcode('ABC', { model: 2, size: 4, errorLevel: 'Q' }).encode();
    expect(toHex(b)).toBe(
      ['1d 28 6b 04 00 31 41 32 00', '1d 28 6b 03 00 31 43 04', '1d 28 6b 03 00 31 45 32', fixtures.qrAbcStore, '1d 28 6b 03 00 31 51 30'].join(' '),
    );
  });

  it('QR data is sent as UTF-8', () => {
    const b = new EscPosEncoder().qrcode('办').encode();
    expect(indexOfBytes(b, hex('1d 28 6b 06 00 31 50 30 e5 8a 9e'))).toBeGreaterThan(0);
  });

  it('raster 384x100 header (fixture) followed by 4800 bytes', () => {
    const pixels = new Uint8Array(384 * 100).fill(0);
    const b = new EscPosEncoder('58mm').image({ width: 384, height: 100, pixels }).encode();
    expect(toHex(b.subarray(0, 8))).toBe(fixtures.rasterHeader384x100);
    expect(b.length).toBe(8 + 4800);
    expect(b[8]).toBe(0xff);
  });

  it('tall images are sliced into bands of the profile', () => {
    const b = new EscPosEncoder('58mm').image({ width: 10, height: 300, pixels: new Uint8Array(3000).fill(255) }).encode();
    // band 1: 256 rows of 2 bytes, band 2: 44 rows
    expect(toHex(b.subarray(0, 8))).toBe('1d 76 30 00 02 00 00 01');
    expect(toHex(b.subarray(8 + 512, 8 + 512 + 8))).toBe('1d 76 30 00 02 00 2c 00');
    const img = decodeEscPos(b)[0]?.items[0];
    expect(img?.type === 'image' && img.height).toBe(300);
  });

  it('reads a PNG with pngjs and thresholds it (1 bit = black dot)', () => {
    const png = new PNG({ width: 16, height: 2 });
    for (let i = 0; i < 32; i++) {
      const black = i % 16 < 8;
      png.data.set(black ? [0, 0, 0, 255] : [255, 255, 255, 255], i * 4);
    }
    const bytes = new Uint8Array(PNG.sync.write(png));
    const b = new EscPosEncoder().image(bytes).encode();
    expect(toHex(b)).toBe('1d 76 30 00 02 00 02 00 ff 00 ff 00');
  });

  it('floyd-steinberg dithering of mid gray sets about half the dots', () => {
    const b = new EscPosEncoder().image({ width: 64, height: 64, pixels: new Uint8Array(64 * 64).fill(128) }, { dither: 'floyd-steinberg' }).encode();
    let ones = 0;
    for (const x of b.subarray(8)) for (let i = 0; i < 8; i++) ones += (x >> i) & 1;
    expect(ones).toBeGreaterThan(64 * 64 * 0.4);
    expect(ones).toBeLessThan(64 * 64 * 0.6);
  });

  it('rule fills the column width; size halves it', () => {
    const e = new EscPosEncoder('58mm');
    expect(decodeEscPos(e.rule().encode())[0]?.text).toBe('-'.repeat(32));
    const w = new EscPosEncoder('80mm').size(2, 1).rule('=').encode();
    expect(decodeEscPos(w)[0]?.text).toBe('='.repeat(24));
  });

  it('columns respect double-width Chinese characters', () => {
    const b = new EscPosEncoder('58mm').columns('受理编号', 'NX-001').encode();
    const line = decodeEscPos(b)[0]?.text ?? '';
    expect(displayWidth(line)).toBe(32);
    expect(line.startsWith('受理编号 .')).toBe(true);
    expect(line.endsWith('. NX-001')).toBe(true);
  });

  it('columns wrap a long value under the label', () => {
    const b = new EscPosEncoder('58mm').columns('事项', '城乡居民基本养老保险参保登记与变更一件事').encode();
    const lines = (decodeEscPos(b)[0]?.text ?? '').split('\n');
    expect(lines[0]).toBe('事项');
    expect(lines.slice(1).every((l) => l.startsWith('  ') && displayWidth(l) <= 32)).toBe(true);
    expect(lines.slice(1).map((l) => l.slice(2)).join('')).toBe('城乡居民基本养老保险参保登记与变更一件事');
  });

  it('wrapWords breaks at spaces, and inside words only when it must', () => {
    expect(wrapWords('offline accepted - will be submitted automatically', 20)).toEqual(['offline accepted -', 'will be submitted', 'automatically']);
    expect(wrapWords('abcdefghij xy', 4)).toEqual(['abcd', 'efgh', 'ij', 'xy']);
    expect(wrapWords('离线受理，联网后自动提交', 10)).toEqual(['离线受理，', '联网后自动', '提交']);
  });

  it('wrapByWidth never exceeds the width', () => {
    expect(wrapByWidth('ab中文cd', 3)).toEqual(['ab', '中', '文c', 'd']);
  });

  it('profiles carry the head widths', () => {
    expect(PRINTER_PROFILES['58mm'].dots).toBe(384);
    expect(PRINTER_PROFILES['80mm'].dots).toBe(576);
    expect(PRINTER_PROFILES['58mm'].columnsA).toBe(32);
    expect(PRINTER_PROFILES['80mm'].columnsA).toBe(48);
  });
});

describe('EscPosEncoder typed errors', () => {
  it('QR data too long', () => expectEncodeError(() => new EscPosEncoder().qrcode('x'.repeat(3000), { errorLevel: 'H' }), 'qr-data-too-long'));
  it('QR too wide for 58 mm at module 16', () => expectEncodeError(() => new EscPosEncoder('58mm').qrcode('x'.repeat(200), { size: 16 }), 'qr-too-wide'));
  it('QR module size out of range', () => expectEncodeError(() => new EscPosEncoder().qrcode('a', { size: 17 }), 'invalid-argument'));
  it('image too wide', () => expectEncodeError(() => new EscPosEncoder('58mm').image({ width: 385, height: 1, pixels: new Uint8Array(385) }), 'image-too-wide'));
  it('image pixel count wrong', () => expectEncodeError(() => new EscPosEncoder().image({ width: 4, height: 4, pixels: new Uint8Array(5) }), 'image-invalid'));
  it('not a PNG', () => expectEncodeError(() => new EscPosEncoder().image(Uint8Array.of(1, 2, 3)), 'image-invalid'));
  it('control characters in text', () => expectEncodeError(() => new EscPosEncoder().text('a\x1bb'), 'invalid-text'));
  it('size out of range', () => expectEncodeError(() => new EscPosEncoder().size(9, 1), 'invalid-argument'));
  it('barcode with non-ASCII', () => expectEncodeError(() => new EscPosEncoder().barcode('中'), 'barcode-invalid'));
  it('a refused call queues nothing', () => {
    const e = new EscPosEncoder().text('ok');
    expect(() => e.qrcode('')).toThrow(EscPosEncodeError);
    expect(toHex(e.encode())).toBe('6f 6b');
  });
  it('CRLF and tabs are normalised', () => {
    expect(toHex(new EscPosEncoder().text('a\r\nb\tc').encode())).toBe('61 0a 62 20 63');
  });
});

describe('encoder -> decodeEscPos round trip', () => {
  it('ordinary and rare Chinese text comes back identical', () => {
    const input = `宁夏回族自治区政务服务\n申请人：${RARE.join('')}\nABC 123 中文 mixed`;
    const r = decodeEscPos(new EscPosEncoder().text(input).newline().encode());
    expect(r).toHaveLength(1);
    expect(r[0]?.text).toBe(input);
    expect(r[0]?.errors).toEqual([]);
  });

  it('styles survive: bold, underline, size, invert, align', () => {
    const b = new EscPosEncoder().align('center').bold().underline().size(2, 3).invert().line('标题').encode();
    const item = decodeEscPos(b)[0]?.items[0];
    expect(item).toMatchObject({ type: 'text', align: 'center', runs: [{ text: '标题', chinese: true, style: { bold: true, underline: 1, width: 2, height: 3, invert: true } }] });
  });

  it('barcodes keep their data, including "{"', () => {
    const item = decodeEscPos(new EscPosEncoder().barcode('A{B}1').encode())[0]?.items[0];
    expect(item).toMatchObject({ type: 'barcode', symbology: 73, data: 'A{B}1' });
  });

  const printable = fc
    .string({ unit: 'grapheme', maxLength: 60 })
    .filter((s) => [...s].every((ch) => {
      const c = ch.codePointAt(0) ?? 0;
      return c >= 0x20 && !(c >= 0x7f && c < 0xa0) && !(c >= 0xd800 && c <= 0xdfff) && !(c >= 0xe000 && c <= 0xf8ff) && c !== 0xfffd;
    }));

  test.prop([printable])('arbitrary text round-trips', (s) => {
    const r = decodeEscPos(new EscPosEncoder().text(s).newline().encode());
    expect(r[0]?.text ?? '').toBe(s);
  });

  /** The bytes the encoder promises for one line of text, spelled out character by character. */
  const reference = (s: string): number[] => {
    const out: number[] = [];
    let chinese = false;
    for (const ch of s) {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp < 0x80) {
        if (chinese) out.push(0x1c, 0x2e);
        chinese = false;
        out.push(cp);
      } else {
        if (!chinese) out.push(0x1c, 0x26);
        chinese = true;
        out.push(...(gb18030CodePoint(cp) ?? []));
      }
    }
    if (chinese) out.push(0x1c, 0x2e);
    return out;
  };

  test.prop([printable.filter((s) => !s.includes('\n'))])('text bytes are the per-character GB18030 spelling with FS & … FS . around non-ASCII runs', (s) => {
    expect([...new EscPosEncoder().text(s).encode()]).toEqual(reference(s));
  });

  test.prop([fc.array(printable, { minLength: 1, maxLength: 6 })])('commands() cut encode() into the commands, in order, with nothing lost', (texts) => {
    const e = new EscPosEncoder().initialise();
    for (const t of texts) e.bold(t.length % 2 === 0).paragraph(t).columns('标签', t).rule('-');
    const joined = e.commands().flatMap((c) => [...c.payload]);
    expect(joined).toEqual([...e.encode()]);
  });

  test.prop([fc.string({ unit: 'grapheme', maxLength: 40 })])('displayWidth counts characters: 1 for ASCII, 2 for the rest', (s) => {
    expect(displayWidth(s)).toBe([...s].reduce((w, ch) => w + ((ch.codePointAt(0) ?? 0) < 0x80 ? 1 : 2), 0));
  });

  test.prop([fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }).filter((s) => !/[\ud800-\udfff]/u.test(s)), fc.constantFrom('L', 'M', 'Q', 'H')])(
    'arbitrary QR payloads round-trip',
    (s, level) => {
      const r = decodeEscPos(new EscPosEncoder().qrcode(s, { errorLevel: level as 'L', size: 2 }).encode());
      expect(r[0]?.items[0]).toMatchObject({ type: 'qr', data: s, errorLevel: level });
    },
  );
});
