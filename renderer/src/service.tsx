import { useEffect, useRef, useState } from 'react';
import type { ServiceStatus, TechnicianEntry } from '../../main/contract/index.js';
import { getBridge } from './bridge.js';
import type { Dict } from './i18n.js';

/** In service, closing or out of service (pushed by the core as 'service.status'). */
export function useServiceStatus(): ServiceStatus | null {
  const [status, setStatus] = useState<ServiceStatus | null>(null);
  useEffect(() => getBridge().on('service.status', setStatus), []);
  return status;
}

const CORNER_PX = 96;

/**
 * The way into the technician screen from the citizen screen: a number of taps on one corner within a time
 * window, or a service key. Only while no citizen is at the terminal (attract, out of service); the screen
 * then asks for a PIN. Nothing visible marks the corner.
 */
export function useTechnicianEntry(entry: TechnicianEntry | null, enabled: boolean): void {
  const taps = useRef<number[]>([]);
  useEffect(() => {
    if (!entry || !enabled) return;
    const go = (): void => window.location.assign('/tech.html');
    const onPointer = (e: PointerEvent): void => {
      const g = entry.gesture;
      if (!g) return;
      const left = e.clientX <= CORNER_PX;
      const right = e.clientX >= window.innerWidth - CORNER_PX;
      const top = e.clientY <= CORNER_PX;
      const bottom = e.clientY >= window.innerHeight - CORNER_PX;
      const inCorner = { 'top-left': top && left, 'top-right': top && right, 'bottom-left': bottom && left, 'bottom-right': bottom && right }[g.corner];
      if (!inCorner) {
        taps.current = [];
        return;
      }
      const now = e.timeStamp;
      taps.current = [...taps.current.filter((t) => now - t <= g.withinMs), now];
      if (taps.current.length >= g.taps) {
        taps.current = [];
        go();
      }
    };
    const onKey = (e: KeyboardEvent): void => {
      if (entry.key !== null && e.key === entry.key) go();
    };
    window.addEventListener('pointerdown', onPointer, { capture: true });
    window.addEventListener('keydown', onKey, { capture: true });
    return () => {
      window.removeEventListener('pointerdown', onPointer, { capture: true });
      window.removeEventListener('keydown', onKey, { capture: true });
    };
  }, [entry, enabled]);
}

/** While the terminal closes for maintenance, the citizen is told (and, with 'now', how long is left). */
export function ClosingNotice({ status, t }: { status: ServiceStatus | null; t: Dict }) {
  const c = status?.state === 'closing' ? status.closing : null;
  if (!c) return null;
  if (c.mode === 'after-session') {
    return (
      <p className="closing-banner" role="status">
        {t.closingAfterSession}
      </p>
    );
  }
  return (
    <div className="overlay">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="closing-title" aria-describedby="closing-body">
        <h2 id="closing-title">{t.closingNowTitle}</h2>
        <p id="closing-body">{t.closingNowBody(c.secondsLeft ?? 0)}</p>
        <div className="countdown" aria-hidden="true">
          {c.secondsLeft ?? 0}
        </div>
      </div>
    </div>
  );
}
