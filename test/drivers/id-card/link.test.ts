import { describe, expect, it } from 'vitest';
import { SamLink } from '../../../drivers/id-card/link.js';
import { FRAMES } from '../../../drivers/id-card/protocol/commands.js';
import { encodeResponse, parseRequest } from '../../../drivers/id-card/protocol/frame.js';
import { SHAPES, acceptShape } from '../../../drivers/id-card/protocol/replies.js';
import { MemoryTransport } from '../../../drivers/transport/memory.js';
import { DeviceError } from '../../../drivers/device.js';

const find = acceptShape(SHAPES.findCard);
const select = acceptShape(SHAPES.selectCard);
const FIND_OK = encodeResponse(0, 0, 0x9f, new Uint8Array(4));
const SELECT_OK = encodeResponse(0, 0, 0x90, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));

/** A scripted device end: answers each request with the frames the script returns. */
function scripted(script: (cmd: number, para: number) => Uint8Array[]) {
  const [host, device] = MemoryTransport.pair({ path: 'memory:link' });
  const seen: string[] = [];
  device.onData((chunk) => {
    const r = parseRequest(chunk);
    if (!r.frame) return;
    const { cmd, para } = r.frame;
    seen.push(`${cmd.toString(16)} ${para.toString(16)}`);
    for (const f of script(cmd, para)) void device.write(f);
  });
  const stats = { stray: 0, strayBytes: 0, checksum: 0, garbage: 0 };
  const link = new SamLink(host, {
    strayFrame: () => stats.stray++,
    strayBytes: (n) => (stats.strayBytes += n),
    frameError: (e, n) => {
      if (e.kind === 'checksum') stats.checksum++;
      else stats.garbage += n;
    },
  });
  return { host, device, link, seen, stats };
}

describe('SamLink', () => {
  it('takes only a reply of the expected shape; a stray frame of another shape is dropped', async () => {
    const t = scripted((cmd, para) => (cmd === 0x20 && para === 0x01 ? [SELECT_OK, FIND_OK] : []));
    const r = await t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 500);
    expect(r.sw3).toBe(0x9f);
    expect(t.stats.stray).toBe(1);
  });

  it('a late reply to a timed-out command is not taken for the next command', async () => {
    let findCount = 0;
    const t = scripted((cmd, para) => {
      if (cmd === 0x20 && para === 0x01) {
        findCount++;
        return []; // silent now, answered late below
      }
      if (cmd === 0x20 && para === 0x02) return [FIND_OK, SELECT_OK]; // the late find reply, then the real one
      return [];
    });
    await expect(t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 30)).rejects.toMatchObject({ code: 'timeout' });
    const r = await t.link.exchange(FRAMES.selectCard, 'select card', select, undefined, 500);
    expect(r.sw3).toBe(0x90);
    expect(r.data.length).toBe(8);
    expect(t.stats.stray).toBe(1);
    expect(findCount).toBe(1);
  });

  it('drops leftover bytes of a cut reply before the next command', async () => {
    let n = 0;
    const t = scripted(() => (n++ === 0 ? [SELECT_OK.subarray(0, 9)] : [FIND_OK]));
    await expect(t.link.exchange(FRAMES.selectCard, 'select card', select, undefined, 30)).rejects.toMatchObject({ code: 'timeout' });
    const r = await t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 500);
    expect(r.sw3).toBe(0x9f);
    expect(t.stats.strayBytes).toBe(9);
  });

  it('rejects at once with a typed checksum error when a corrupted frame arrives', async () => {
    const bad = FIND_OK.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    const t = scripted(() => [bad]);
    const err = await t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 5000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as DeviceError).code).toBe('checksum');
    expect(t.stats.checksum).toBe(1);
  });

  it('skips garbage in front of the reply and reports its size', async () => {
    const t = scripted(() => [Uint8Array.of(1, 2, 3, 0xaa, 0x00), FIND_OK]);
    const r = await t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 500);
    expect(r.sw3).toBe(0x9f);
    expect(t.stats.garbage).toBe(5);
  });

  it('is canceled by its AbortSignal', async () => {
    const t = scripted(() => []);
    const ac = new AbortController();
    const p = t.link.exchange(FRAMES.findCard, 'find card', find, ac.signal, 5000);
    setTimeout(() => ac.abort(new Error('stop')), 10);
    await expect(p).rejects.toMatchObject({ code: 'canceled' });
    const aborted = AbortSignal.abort();
    await expect(t.link.exchange(FRAMES.findCard, 'find card', find, aborted, 5000)).rejects.toMatchObject({ code: 'canceled' });
  });

  it('fails a command in flight with disconnected when the link drops, and refuses new ones', async () => {
    const t = scripted(() => []);
    const p = t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 5000);
    setTimeout(() => t.host.unplug(), 10);
    await expect(p).rejects.toMatchObject({ code: 'disconnected' });
    expect(t.link.closed).toBe(true);
    await expect(t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 100)).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('runs exclusive jobs strictly one after another', async () => {
    const t = scripted((cmd, para) => (cmd === 0x20 && para === 0x01 ? [FIND_OK] : [SELECT_OK]));
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(`${name}:start`);
      await t.link.exchange(FRAMES.findCard, 'find', find, undefined, 500);
      await t.link.exchange(FRAMES.selectCard, 'select', select, undefined, 500);
      order.push(`${name}:end`);
    };
    await Promise.all([t.link.exclusive(job('a')), t.link.exclusive(job('b')), t.link.exclusive(async () => Promise.reject(new DeviceError('id-card', 'busy', 'x', 'retry'))).catch(() => order.push('c:failed')), t.link.exclusive(job('d'))]);
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:failed', 'd:start', 'd:end']);
    expect(t.seen).toEqual(['20 1', '20 2', '20 1', '20 2', '20 1', '20 2']);
  });

  it('refuses a second command while one is in flight', async () => {
    const t = scripted(() => []);
    const first = t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 50);
    await expect(t.link.exchange(FRAMES.findCard, 'find card', find, undefined, 50)).rejects.toMatchObject({ code: 'busy' });
    await expect(first).rejects.toMatchObject({ code: 'timeout' });
  });
});
