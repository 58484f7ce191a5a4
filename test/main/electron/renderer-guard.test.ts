import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RendererGuard } from '../../../main/electron/renderer-guard.js';

let actions: string[];
let guard: RendererGuard;

beforeEach(() => {
  vi.useFakeTimers();
  actions = [];
  guard = new RendererGuard({ reload: () => actions.push('reload'), showOutOfService: () => actions.push('oos') });
});

afterEach(() => {
  guard.dispose();
  vi.useRealTimers();
});

describe('RendererGuard', () => {
  it('reloads a gone renderer at once, up to 5 times in 10 minutes', () => {
    for (let i = 0; i < 5; i++) guard.processGone('crashed');
    expect(actions).toEqual(['reload', 'reload', 'reload', 'reload', 'reload']);
    guard.processGone('crashed');
    expect(actions.at(-1)).toBe('oos');
    expect(guard.state).toBe('out-of-service');
  });

  it('retries slowly (every minute) once out of service, and recovers when reloads stop failing', () => {
    for (let i = 0; i < 6; i++) guard.processGone('oom');
    expect(actions.filter((a) => a === 'reload')).toHaveLength(5);
    vi.advanceTimersByTime(59_999);
    expect(actions).toHaveLength(6);
    vi.advanceTimersByTime(1);
    expect(actions.at(-1)).toBe('reload');
    expect(guard.state).toBe('ok');
    guard.processGone('oom'); // still within the window: back to out-of-service, next slow retry scheduled
    expect(actions.at(-1)).toBe('oos');
    vi.advanceTimersByTime(60_000);
    expect(actions.at(-1)).toBe('reload');
  });

  it('forgets crashes older than 10 minutes', () => {
    for (let i = 0; i < 20; i++) {
      guard.processGone('crashed');
      vi.advanceTimersByTime(3 * 60_000);
    }
    expect(actions.every((a) => a === 'reload')).toBe(true);
  });

  it('reloads an unresponsive renderer after the grace period, not if it recovers', () => {
    guard.unresponsive();
    expect(guard.state).toBe('hung');
    vi.advanceTimersByTime(5_000);
    guard.responsive();
    vi.advanceTimersByTime(60_000);
    expect(actions).toEqual([]);
    guard.unresponsive();
    guard.unresponsive(); // repeated events do not stack timers
    vi.advanceTimersByTime(10_000);
    expect(actions).toEqual(['reload']);
  });

  it('a crash during the grace period reloads once, not twice', () => {
    guard.unresponsive();
    guard.processGone('crashed');
    vi.advanceTimersByTime(60_000);
    expect(actions).toEqual(['reload']);
  });
});
