/**
 * SVG preview of a VirtualReceipt: monospace text with styles, QR codes drawn from the qrcode
 * package's module matrix, raster images as pixels. Readable in any browser. Pure.
 */
import type * as QRCodeModule from 'qrcode';
import { lazyRequire } from '../lazy-require.js';
import { displayWidth } from './protocol/encoder.js';
import type { Alignment, ReceiptItem, TextStyle, VirtualReceipt } from './protocol/decoder.js';
import { profileOf, type PrinterProfile, type ProfileName } from './protocol/profiles.js';

const PAD = 12;
const qrcode = lazyRequire<typeof QRCodeModule>('qrcode');

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function xFor(align: Alignment, width: number, dots: number): number {
  if (align === 'center') return PAD + Math.max(0, (dots - width) / 2);
  if (align === 'right') return PAD + Math.max(0, dots - width);
  return PAD;
}

function charWidth(p: PrinterProfile, s: TextStyle): number {
  return (s.font === 'A' ? p.fontA.width : p.fontB.width) * s.width;
}

export function renderSvg(receipt: VirtualReceipt, profile: ProfileName | PrinterProfile = '80mm'): string {
  const p = profileOf(profile);
  const dots = p.dots;
  const body: string[] = [];
  let y = PAD;
  for (const item of receipt.items) y = renderItem(item, p, y, body);
  if (receipt.cut) {
    body.push(`<line x1="0" y1="${y + 6}" x2="${dots + 2 * PAD}" y2="${y + 6}" stroke="#888" stroke-dasharray="6 4"/>`);
    body.push(`<text x="${PAD}" y="${y + 20}" font-size="12" fill="#888" font-family="monospace">${receipt.cut} cut</text>`);
    y += 24;
  }
  const h = Math.ceil(y + PAD);
  const w = dots + 2 * PAD;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="#fff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function renderItem(item: ReceiptItem, p: PrinterProfile, y: number, out: string[]): number {
  switch (item.type) {
    case 'text': {
      const h = Math.max(1, ...item.runs.map((r) => r.style.height)) * p.fontA.height;
      const widths = item.runs.map((r) => displayWidth(r.text) * charWidth(p, r.style));
      let x = xFor(item.align, widths.reduce((a, b) => a + b, 0), p.dots);
      const base = y + h - 4;
      item.runs.forEach((r, i) => {
        const w = widths[i] ?? 0;
        if (w === 0) return;
        const fs = (r.style.font === 'A' ? p.fontA.height : p.fontB.height) * r.style.height * 0.9;
        if (r.style.invert) out.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="#000"/>`);
        const attrs = [
          `x="${x}"`,
          `y="${base}"`,
          `font-family="monospace"`,
          `font-size="${fs.toFixed(1)}"`,
          `textLength="${w}"`,
          'lengthAdjust="spacingAndGlyphs"',
          r.style.bold ? 'font-weight="bold"' : '',
          r.style.underline ? 'text-decoration="underline"' : '',
          `fill="${r.style.invert ? '#fff' : '#000'}"`,
          'xml:space="preserve"',
        ].filter(Boolean);
        out.push(`<text ${attrs.join(' ')}>${esc(r.text)}</text>`);
        x += w;
      });
      return y + h + 6;
    }
    case 'qr': {
      let size: number;
      let get: (r: number, c: number) => boolean;
      try {
        const m = qrcode().create([{ mode: 'byte', data: new TextEncoder().encode(item.data) }], { errorCorrectionLevel: item.errorLevel }).modules;
        size = m.size;
        get = (r, c) => m.get(r, c) !== 0;
      } catch {
        out.push(`<text x="${PAD}" y="${y + 16}" font-size="14" fill="#c00" font-family="monospace">[QR: data does not fit]</text>`);
        return y + 24;
      }
      const mod = Math.max(1, item.module);
      const x0 = xFor(item.align, size * mod, p.dots);
      const d: string[] = [];
      for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) if (get(r, c)) d.push(`M${x0 + c * mod} ${y + r * mod}h${mod}v${mod}h-${mod}z`);
      out.push(`<path d="${d.join('')}" fill="#000"><title>${esc(item.data)}</title></path>`);
      return y + size * mod + 4;
    }
    case 'barcode': {
      const w = Math.min(p.dots, (item.data.length + 3) * 11 * Math.max(1, item.width));
      const x0 = xFor(item.align, w, p.dots);
      const h = Math.max(10, item.height);
      out.push(`<rect x="${x0}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#000" stroke-dasharray="2 2"/>`);
      out.push(`<text x="${x0 + 4}" y="${y + h / 2 + 5}" font-size="14" font-family="monospace">CODE128 ${esc(item.data)}</text>`);
      return y + h + 6;
    }
    case 'image': {
      const sx = item.mode & 1 ? 2 : 1;
      const sy = item.mode & 2 ? 2 : 1;
      const x0 = xFor(item.align, item.width * sx, p.dots);
      const d: string[] = [];
      for (let r = 0; r < item.height; r++) {
        let c = 0;
        while (c < item.width) {
          const on = ((item.bits[r * item.bytesPerRow + (c >> 3)] ?? 0) & (0x80 >> (c & 7))) !== 0;
          if (!on) {
            c++;
            continue;
          }
          const start = c;
          while (c < item.width && ((item.bits[r * item.bytesPerRow + (c >> 3)] ?? 0) & (0x80 >> (c & 7))) !== 0) c++;
          d.push(`M${x0 + start * sx} ${y + r * sy}h${(c - start) * sx}v${sy}h-${(c - start) * sx}z`);
        }
      }
      out.push(`<path d="${d.join('')}" fill="#000"/>`);
      return y + item.height * sy + 4;
    }
    case 'feed':
      return y + (item.lines ?? 0) * p.lineHeight + (item.dots ?? 0);
  }
}
