import { useEffect, useRef } from 'react';

/**
 * Any touch or key press counts as activity; `report` runs at most once per `everyMs`. The citizen screen keeps
 * its session alive with it, the technician screen its login.
 */
export function useActivityReporter(active: boolean, report: () => void, everyMs: number): void {
  const last = useRef(0);
  const send = useRef(report);
  useEffect(() => {
    send.current = report;
  }, [report]);
  useEffect(() => {
    if (!active) return;
    const onInput = (): void => {
      const now = Date.now();
      if (now - last.current < everyMs) return;
      last.current = now;
      send.current();
    };
    window.addEventListener('pointerdown', onInput, { capture: true });
    window.addEventListener('keydown', onInput, { capture: true });
    return () => {
      window.removeEventListener('pointerdown', onInput, { capture: true });
      window.removeEventListener('keydown', onInput, { capture: true });
    };
  }, [active, everyMs]);
}
