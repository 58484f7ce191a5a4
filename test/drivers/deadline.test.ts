import { describe, expect, it } from 'vitest';
import { deadline } from '../../drivers/device.js';

describe('deadline', () => {
  it('aborts after the time, with a reason that says so', async () => {
    const d = deadline(20);
    await new Promise((r) => setTimeout(r, 60));
    expect(d.signal.aborted).toBe(true);
    expect(String(d.signal.reason)).toContain('timed out after 20 ms');
  });
  it('follows its parent and stops its timer on dispose', async () => {
    const parent = new AbortController();
    const d = deadline(10_000, parent.signal);
    parent.abort(new Error('stop'));
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).message).toBe('stop');
    const e = deadline(20);
    e.dispose();
    await new Promise((r) => setTimeout(r, 60));
    expect(e.signal.aborted).toBe(false);
  });
  it('is aborted at once when the parent already is', () => {
    const parent = new AbortController();
    parent.abort('gone');
    expect(deadline(1000, parent.signal).signal.aborted).toBe(true);
  });
});
