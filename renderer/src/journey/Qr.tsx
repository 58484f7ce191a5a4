import { useMemo } from 'react';
import { create } from 'qrcode';

/**
 * A QR code drawn in the renderer as SVG (one path of dark modules, a four-module quiet zone), large
 * enough to scan from the screen with a phone. Error correction M, as on the printed receipt.
 */
export function Qr({ payload, label, size = 320 }: { payload: string; label: string; size?: number }) {
  const { path, n } = useMemo(() => {
    const m = create(payload, { errorCorrectionLevel: 'M' }).modules;
    const quiet = 4;
    const parts: string[] = [];
    for (let row = 0; row < m.size; row++) {
      for (let col = 0; col < m.size; col++) {
        if (m.data[row * m.size + col]) parts.push(`M${col + quiet} ${row + quiet}h1v1h-1z`);
      }
    }
    return { path: parts.join(''), n: m.size + 2 * quiet };
  }, [payload]);
  return (
    <svg className="qr" role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${n} ${n}`} shapeRendering="crispEdges">
      <rect width={n} height={n} fill="#ffffff" />
      <path d={path} fill="#000000" />
    </svg>
  );
}
