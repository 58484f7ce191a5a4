import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CORE_EXIT } from '../../../main/contract/host.js';
import { CoreSupervisor } from '../../../main/electron/core-supervisor.js';
import type { CoreChild, CoreState } from '../../../main/electron/core-supervisor.js';

/** A manual clock with timers, so backoff is exact. */
class Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = () => this.t;
  setTimer = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimer = (h: unknown): void => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
  pending(): number {
    return this.timers.length;
  }
}

interface Port {
  n: number;
  closed?: boolean;
}

class Child extends EventEmitter implements CoreChild<Port> {
  posted: { message: unknown; transfer?: Port[] }[] = [];
  killed = false;
  postMessage(message: unknown, transfer?: Port[]): void {
    this.posted.push({ message, transfer });
  }
  kill(): boolean {
    this.killed = true;
    this.emit('exit', 15);
    return true;
  }
}

function setup(opts: { forkThrows?: boolean } = {}) {
  const clock = new Clock();
  const children: Child[] = [];
  let n = 0;
  const states: CoreState[] = [];
  const sup = new CoreSupervisor<Port>({
    fork: () => {
      if (opts.forkThrows) throw new Error('ENOENT');
      const c = new Child();
      children.push(c);
      return c;
    },
    createChannel: () => ({ port1: { n: ++n }, port2: { n: ++n } }),
    closePort: (p) => (p.closed = true),
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    log: () => undefined,
  });
  sup.onStatus((s) => states.push(s));
  const rendererPorts: Port[] = [];
  const last = (): Child => {
    const c = children.at(-1);
    if (!c) throw new Error('no child');
    return c;
  };
  return { clock, children, sup, states, rendererPorts, last, sink: (p: Port) => rendererPorts.push(p) };
}

describe('CoreSupervisor', () => {
  it('starts the core, connects it to the renderer with a fresh channel, and is running on ready', () => {
    const { sup, last, sink, rendererPorts } = setup();
    sup.start();
    expect(sup.status).toEqual({ state: 'starting', attempt: 1 });
    sup.setRenderer(sink);
    expect(rendererPorts).toEqual([]); // not spawned yet
    last().emit('spawn');
    expect(last().posted).toEqual([{ message: { type: 'connect' }, transfer: [{ n: 1 }] }]);
    expect(rendererPorts).toEqual([{ n: 2 }]);
    last().emit('message', { type: 'ready' });
    expect(sup.status).toEqual({ state: 'running' });
  });

  it('ignores malformed messages from the core', () => {
    const { sup, last } = setup();
    sup.start();
    last().emit('spawn');
    last().emit('message', { type: 'ready', extra: 1, nested: { x: 1 } }); // extra keys: still ready (strip)
    expect(sup.status.state).toBe('running');
    last().emit('message', 'garbage');
    last().emit('message', { type: 'fatal' }); // no message: not a fatal report
    last().emit('exit', 1);
    expect(sup.status.state).toBe('restarting');
  });

  it('restarts with exponential backoff and hands the renderer a fresh port each time', () => {
    const { sup, last, sink, rendererPorts, clock, children } = setup();
    sup.setRenderer(sink);
    sup.start();
    last().emit('spawn');
    last().emit('message', { type: 'ready' });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      last().emit('exit', 1);
      const s = sup.status;
      if (s.state !== 'restarting') throw new Error(`expected restarting, got ${s.state}`);
      delays.push(s.inMs);
      clock.advance(s.inMs - 1);
      expect(children).toHaveLength(i + 1);
      clock.advance(1);
      expect(children).toHaveLength(i + 2);
      last().emit('spawn');
      last().emit('message', { type: 'ready' });
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(rendererPorts).toHaveLength(6);
    expect(new Set(rendererPorts.map((p) => p.n)).size).toBe(6);
  });

  it('gives up after more than 5 crashes within 5 minutes and stays down', () => {
    const { sup, last, clock, children, states } = setup();
    sup.start();
    for (let i = 0; i < 6; i++) {
      last().emit('spawn');
      last().emit('exit', 139);
      clock.advance(30_000);
    }
    expect(children).toHaveLength(6);
    expect(sup.status).toMatchObject({ state: 'out-of-service', reason: 'crash-loop' });
    clock.advance(60 * 60_000);
    expect(children).toHaveLength(6);
    expect(states.filter((s) => s.state === 'out-of-service')).toHaveLength(1);
  });

  it('forgets crashes older than the window', () => {
    const { sup, last, clock, children } = setup();
    sup.start();
    for (let i = 0; i < 10; i++) {
      last().emit('spawn');
      last().emit('message', { type: 'ready' });
      last().emit('exit', 1);
      clock.advance(2 * 60_000); // one crash every 2 minutes: never 6 within 5 minutes
    }
    expect(children).toHaveLength(11);
    expect(sup.status.state).not.toBe('out-of-service');
  });

  it('does not restart after a fatal configuration report', () => {
    const { sup, last, clock, children } = setup();
    sup.start();
    last().emit('spawn');
    last().emit('message', { type: 'fatal', message: 'profile: payment.port missing' });
    last().emit('exit', 1);
    expect(sup.status).toEqual({ state: 'out-of-service', reason: 'fatal-config', message: 'profile: payment.port missing' });
    clock.advance(60 * 60_000);
    expect(children).toHaveLength(1);
  });

  it('treats exit code 78 (EX_CONFIG) as a configuration error too', () => {
    const { sup, last, children, clock } = setup();
    sup.start();
    last().emit('spawn');
    last().emit('exit', CORE_EXIT.config);
    expect(sup.status).toMatchObject({ state: 'out-of-service', reason: 'fatal-config' });
    clock.advance(60_000);
    expect(children).toHaveLength(1);
  });

  it('kills a core that never reports ready and counts it as a crash', () => {
    const { sup, last, clock, children } = setup();
    sup.start();
    last().emit('spawn');
    clock.advance(60_000);
    expect(children[0]?.killed).toBe(true);
    expect(sup.status.state).toBe('restarting');
  });

  it('counts a failing fork as a crash', () => {
    const { sup } = setup({ forkThrows: true });
    sup.start();
    expect(sup.status).toMatchObject({ state: 'restarting', crashes: 1 });
  });

  it('stop() kills the core and prevents any restart', () => {
    const { sup, last, clock, children } = setup();
    sup.start();
    last().emit('spawn');
    sup.stop();
    expect(children[0]?.killed).toBe(true);
    expect(sup.status).toEqual({ state: 'stopped' });
    clock.advance(60 * 60_000);
    expect(children).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it('ignores events from a replaced child', () => {
    const { sup, last, clock, children } = setup();
    sup.start();
    const first = last();
    first.emit('spawn');
    first.emit('exit', 1);
    clock.advance(500);
    expect(children).toHaveLength(2);
    first.emit('exit', 1); // late duplicate
    first.emit('message', { type: 'fatal', message: 'stale' });
    expect(sup.status).toEqual({ state: 'starting', attempt: 2 });
  });

  it('closes the renderer port when the sink throws', () => {
    const { sup, last } = setup();
    sup.start();
    last().emit('spawn');
    let given: Port | undefined;
    sup.setRenderer((p) => {
      given = p;
      throw new Error('window gone');
    });
    expect(given?.closed).toBe(true);
  });
});
