/**
 * What a scanned payload says: the bytes always, and a text decode when the bytes are UTF-8 (QR codes
 * of e-certificates and e-ID are UTF-8) or GB18030 (older Chinese codes are GBK). Pure.
 */
export type PayloadEncoding = 'utf-8' | 'gb18030';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
let gb: InstanceType<typeof TextDecoder> | null | undefined;

function gbDecoder(): InstanceType<typeof TextDecoder> | null {
  if (gb === undefined) {
    try {
      gb = new TextDecoder('gb18030', { fatal: true });
    } catch {
      gb = null; // a Node build without full ICU: bytes only
    }
  }
  return gb;
}

/** UTF-8 first (ASCII is UTF-8), then GB18030; null when the bytes are neither (a binary code). */
export function decodePayload(bytes: Uint8Array): { text: string; encoding: PayloadEncoding } | { text: null; encoding: null } {
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    // not UTF-8
  }
  const d = gbDecoder();
  if (d) {
    try {
      return { text: d.decode(bytes), encoding: 'gb18030' };
    } catch {
      // not GB18030 either
    }
  }
  return { text: null, encoding: null };
}
