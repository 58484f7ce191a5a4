import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/device.js';
import type { ParseStep } from '../../../drivers/transport/frame-reader.js';
import { MemoryTransport } from '../../../drivers/transport/memory.js';
import { RequestLink, replyWhen, type Verdict } from '../../../drivers/transport/request-link.js';

/** Toy line protocol: frames are ASCII lines ending in LF; "!" lines are a framing error. */
function lineParse(buf: Uint8Array): ParseStep<string> {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return { consumed: 0 };
  const text = Buffer.from(buf.subarray(0, nl)).toString('latin1');
  if (text.startsWith('!')) return { consumed: nl + 1, error: new DeviceError('transport', 'checksum', 'bad line', 'retry', 'bad-line') };
  return { consumed: nl + 1, frame: text };
}

const line = (s: string): Uint8Array => Buffer.from(`${s}\n`, 'latin1');

/** A device end that answers each request line with what `script` returns (lines, possibly none). */
function rig(script: (request: string, n: number) => string[], opts: { failOnBadLine?: boolean; maxChunk?: number } = {}) {
  const [host, device] = MemoryTransport.pair({ path: 'memory:rl', ...(opts.maxChunk ? { maxChunk: opts.maxChunk } : {}) });
  const requests: string[] = [];
  let acc = '';
  device.onData((c) => {
    acc += Buffer.from(c).toString('latin1');
    for (let nl = acc.indexOf('\n'); nl >= 0; nl = acc.indexOf('\n')) {
      const req = acc.slice(0, nl);
      acc = acc.slice(nl + 1);
      requests.push(req);
      const out = script(req, requests.length);
      if (out.length > 0) void device.write(Buffer.from(out.map((l) => `${l}\n`).join(''), 'latin1'));
    }
  });
  const strays: string[] = [];
  const frameErrors: DeviceError[] = [];
  const link = new RequestLink<string>(host, {
    device: 'payment',
    parse: lineParse,
    maxBuffered: 256,
    ...(opts.failOnBadLine ? { failsRequest: () => true } : {}),
    hooks: { stray: (f) => strays.push(f), frameError: (e) => frameErrors.push(e) },
  });
  return { host, device, link, requests, strays, frameErrors };
}

const reply = (prefix: string) => replyWhen((f: string) => (f.startsWith(prefix) ? f : undefined));

describe('RequestLink', () => {
  it('resolves with the matching reply; other frames are stray and counted', async () => {
    const t = rig(() => ['noise', 'ok 1']);
    await expect(t.link.request(line('ask'), { op: 'ask', accept: reply('ok'), timeoutMs: 500 })).resolves.toBe('ok 1');
    expect(t.strays).toEqual(['noise']);
    expect(t.link.counters).toMatchObject({ requests: 1, replies: 1, strayFrames: 1 });
  });

  it('a late reply to a timed-out request is stray, not the next reply', async () => {
    const t = rig((req) => (req === 'first' ? [] : ['ok first', 'ok second']));
    await expect(t.link.request(line('first'), { op: 'first', accept: reply('ok'), timeoutMs: 20 })).rejects.toMatchObject({ code: 'timeout', fault: 'no-reply', device: 'payment' });
    const second = await t.link.request(line('second'), { op: 'second', accept: reply('ok second'), timeoutMs: 500 });
    expect(second).toBe('ok second');
    expect(t.strays).toEqual(['ok first']);
    expect(t.link.counters.timeouts).toBe(1);
  });

  it('drops the leftovers of a cut reply before the next request', async () => {
    const t = rig(() => []);
    void t.device.write(Buffer.from('half a li', 'latin1'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(t.link.buffered).toBe(9);
    const p = t.link.request(line('x'), { op: 'x', accept: reply('ok'), timeoutMs: 500 });
    void t.device.write(line('ok'));
    await expect(p).resolves.toBe('ok');
    expect(t.link.counters.strayBytes).toBe(9);
  });

  it('rejects with canceled when the signal fires, and at once when it already has', async () => {
    const t = rig(() => []);
    const ac = new AbortController();
    const p = t.link.request(line('slow'), { op: 'slow', accept: reply('ok'), timeoutMs: 5000, signal: ac.signal });
    ac.abort(new Error('citizen left'));
    await expect(p).rejects.toMatchObject({ code: 'canceled', message: 'citizen left' });
    await expect(t.link.request(line('again'), { op: 'again', accept: reply('ok'), timeoutMs: 5000, signal: ac.signal })).rejects.toMatchObject({ code: 'canceled' });
    expect(t.link.inFlight).toBe(false);
  });

  it('one request at a time: a second request while one is in flight is refused as busy; exclusive() queues jobs', async () => {
    const t = rig((req) => [`ok ${req}`]);
    const a = t.link.request(line('a'), { op: 'a', accept: reply('ok a'), timeoutMs: 500 });
    await expect(t.link.request(line('b'), { op: 'b', accept: reply('ok b'), timeoutMs: 500 })).rejects.toMatchObject({ code: 'busy' });
    await a;
    const order: string[] = [];
    await Promise.all(
      ['x', 'y', 'z'].map((n) =>
        t.link.exclusive(async () => {
          order.push(await t.link.request(line(n), { op: n, accept: reply(`ok ${n}`), timeoutMs: 500 }));
        }),
      ),
    );
    expect(order).toEqual(['ok x', 'ok y', 'ok z']);
  });

  it('loss of the transport rejects the request in flight; later requests fail as disconnected', async () => {
    const t = rig(() => []);
    const p = t.link.request(line('q'), { op: 'q', accept: reply('ok'), timeoutMs: 5000 });
    t.host.unplug();
    await expect(p).rejects.toMatchObject({ code: 'disconnected', device: 'payment' });
    await expect(t.link.request(line('q'), { op: 'q', accept: reply('ok'), timeoutMs: 500 })).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('a framing error fails the request only when the link says so', async () => {
    const lenient = rig(() => ['!corrupt', 'ok']);
    await expect(lenient.link.request(line('q'), { op: 'q', accept: reply('ok'), timeoutMs: 500 })).resolves.toBe('ok');
    expect(lenient.frameErrors).toHaveLength(1);
    const strict = rig(() => ['!corrupt', 'ok'], { failOnBadLine: true });
    await expect(strict.link.request(line('q'), { op: 'q', accept: reply('ok'), timeoutMs: 500 })).rejects.toMatchObject({ code: 'checksum' });
  });

  it('ACK then answer: progress re-arms the timer with the answer timeout; the answer may come in the same chunk', async () => {
    const t = rig(() => ['ACK', 'ANSWER'], { maxChunk: 64 });
    const accept = (f: string): Verdict<string> => (f === 'ACK' ? { progress: true, timeoutMs: 1000 } : f === 'ANSWER' ? { reply: f } : undefined);
    await expect(t.link.request(line('pay'), { op: 'pay', accept, timeoutMs: 50 })).resolves.toBe('ANSWER');
    expect(t.strays).toEqual([]);
  });

  it('NAK asks for the request again, up to maxResends; then a typed error', async () => {
    let naks = 2;
    const t = rig(() => (naks-- > 0 ? ['NAK'] : ['ACK', 'DONE']));
    const accept = (f: string): Verdict<string> => (f === 'NAK' ? { resend: true } : f === 'ACK' ? { progress: true } : f === 'DONE' ? { reply: f } : undefined);
    await expect(t.link.request(line('pay'), { op: 'pay', accept, timeoutMs: 500, maxResends: 3 })).resolves.toBe('DONE');
    expect(t.requests).toEqual(['pay', 'pay', 'pay']);
    expect(t.link.counters.resends).toBe(2);

    const storm = rig(() => ['NAK']);
    const err = await storm.link
      .request(line('pay'), {
        op: 'pay',
        accept,
        timeoutMs: 500,
        maxResends: 2,
        resendsExhausted: () => new DeviceError('payment', 'protocol', 'the pad refused the message 3 times', 'reset', 'nak-limit'),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'protocol', fault: 'nak-limit' });
    expect(storm.requests).toHaveLength(3);
  });

  it('resendOnTimeout writes the request again while nothing of it came back, never after progress', async () => {
    let n = 0;
    const t = rig(() => (++n < 3 ? [] : ['ACK']));
    const accept = (f: string): Verdict<string> => (f === 'ACK' ? { progress: true, timeoutMs: 30 } : undefined);
    const err = await t.link.request(line('pay'), { op: 'pay', accept, timeoutMs: 20, maxResends: 5, resendOnTimeout: true }).catch((e: unknown) => e);
    // two silent tries, the third is acknowledged, then the answer never comes: a timeout, not a fourth write
    expect(err).toMatchObject({ code: 'timeout' });
    expect(t.requests).toHaveLength(3);
  });

  it('a request with its own parser reads its reply with it, then the link parser is back', async () => {
    const t = rig((req) => (req === 'bin' ? [] : ['ok']));
    const fixed = (b: Uint8Array): ParseStep<string> => (b.length >= 3 ? { consumed: 3, frame: `bin:${[...b.subarray(0, 3)].join('.')}` } : { consumed: 0 });
    const p = t.link.request(line('bin'), { op: 'bin', accept: reply('bin:'), timeoutMs: 500, parse: fixed });
    await new Promise((r) => setImmediate(r));
    void t.device.write(Uint8Array.of(1, 2, 3));
    await expect(p).resolves.toBe('bin:1.2.3');
    await expect(t.link.request(line('txt'), { op: 'txt', accept: reply('ok'), timeoutMs: 500 })).resolves.toBe('ok');
  });

  it('request(null) only waits (no bytes written)', async () => {
    const t = rig(() => []);
    const p = t.link.request(null, { op: 'wait', accept: reply('event'), timeoutMs: 500 });
    void t.device.write(line('event 7'));
    await expect(p).resolves.toBe('event 7');
    expect(t.requests).toEqual([]);
  });
});
