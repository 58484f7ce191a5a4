import { describe, expect, it } from 'vitest';
import { IdCardSimulator, type IdCardSimulatorOptions } from '../../../drivers/id-card/simulator.js';
import { FRAMES, encodeSetBaud, encodeSetMaxRfFrame } from '../../../drivers/id-card/protocol/commands.js';
import { encodeRequest, parseResponse, type ResponseFrame } from '../../../drivers/id-card/protocol/frame.js';
import { decodeReadReply, decodeReadReplyWithFingerprint } from '../../../drivers/id-card/protocol/read-reply.js';
import { formatSamId } from '../../../drivers/id-card/protocol/status.js';
import { SAMPLE_IDENTITIES, sampleRecord } from '../../../drivers/id-card/samples.js';
import { MemoryTransport } from '../../../drivers/transport/memory.js';
import type { IdentityRecord } from '../../../drivers/id-card/types.js';
import { pause } from './harness.js';

/** The host side of a raw conversation with the simulator: send a frame, collect all bytes that come back. */
function rig(opts?: IdCardSimulatorOptions) {
  const [host, device] = MemoryTransport.pair({ path: 'memory:sim', maxChunk: 50 });
  const sim = new IdCardSimulator(device, opts);
  let rx: number[] = [];
  host.onData((c) => rx.push(...c));
  async function send(frame: Uint8Array, waitMs = 15): Promise<Uint8Array> {
    rx = [];
    await host.write(frame);
    await pause(waitMs);
    return Uint8Array.from(rx);
  }
  async function ask(frame: Uint8Array): Promise<ResponseFrame> {
    const bytes = await send(frame);
    const r = parseResponse(bytes);
    expect(r.error).toBeUndefined();
    expect(r.consumed).toBe(bytes.length);
    return r.frame as ResponseFrame;
  }
  return { host, device, sim, send, ask };
}

const zhang = SAMPLE_IDENTITIES['resident-zhang'] as IdentityRecord;

describe('IdCardSimulator answers every command', () => {
  it('without a card: find 80, select 81, read 41', async () => {
    const { ask } = rig();
    expect((await ask(FRAMES.findCard)).sw3).toBe(0x80);
    expect((await ask(FRAMES.selectCard)).sw3).toBe(0x81);
    expect((await ask(FRAMES.readText)).sw3).toBe(0x41);
  });

  it('with a card: find 9F + 4, select 90 + 8, read 90 with a 1295-byte frame', async () => {
    const { sim, ask, send } = rig();
    sim.place(zhang);
    const f = await ask(FRAMES.findCard);
    expect([f.sw3, f.data.length]).toEqual([0x9f, 4]);
    const s = await ask(FRAMES.selectCard);
    expect([s.sw3, s.data.length]).toEqual([0x90, 8]);
    const bytes = await send(FRAMES.readText, 30);
    expect(bytes.length).toBe(1295);
    const r = parseResponse(bytes);
    expect(decodeReadReply(r.frame as ResponseFrame).record).toEqual(sampleRecord('resident-zhang'));
  });

  it('30 10 answers text + photo with FP_LEN 0 (1297 bytes); 30 03 and 30 05 answer 91', async () => {
    const { sim, ask, send } = rig();
    sim.place(zhang);
    await ask(FRAMES.findCard);
    await ask(FRAMES.selectCard);
    const bytes = await send(FRAMES.readWithFingerprint, 30);
    expect(bytes.length).toBe(1297);
    const fp = decodeReadReplyWithFingerprint(parseResponse(bytes).frame as ResponseFrame);
    expect(fp.fingerprint).toBeNull();
    expect(fp.record?.name).toBe(zhang.name);
    await ask(FRAMES.findCard);
    await ask(FRAMES.selectCard);
    expect((await ask(FRAMES.readAdditionalAddress)).sw3).toBe(0x91);
    expect((await ask(FRAMES.readChipManagementNo)).sw3).toBe(0x91);
  });

  it('SAM status, SAM id, reset, set baud, set max RF frame, unknown command', async () => {
    const { sim, ask } = rig();
    expect((await ask(FRAMES.samStatus)).sw3).toBe(0x90);
    const id = await ask(FRAMES.samId);
    expect(formatSamId(id.data)).toBe('05.01-20258341-000000001-000123456');
    expect((await ask(FRAMES.reset)).sw3).toBe(0x90);
    expect((await ask(encodeSetBaud(9600))).sw3).toBe(0x90);
    expect(sim.baud).toBe(9600);
    expect((await ask(encodeRequest(0x60, 0x09))).sw3).toBe(0x21);
    expect((await ask(encodeSetMaxRfFrame(80))).sw3).toBe(0x90);
    expect(sim.maxRfFrame).toBe(80);
    expect((await ask(encodeRequest(0x77, 0x01))).sw3).toBe(0x21);
    expect(sim.counters.byCommand).toMatchObject({ samStatus: 1, samId: 1, reset: 1, setBaud: 2, setMaxRfFrame: 1, unknown: 1 });
  });

  it('answers 10 to a request with a bad checksum and skips garbage', async () => {
    const { sim, ask, send } = rig();
    const bad = FRAMES.findCard.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    expect((await ask(bad)).sw3).toBe(0x10);
    const junkThenFind = Uint8Array.from([1, 2, 3, ...FRAMES.findCard]);
    expect(parseResponse(await send(junkThenFind)).frame?.sw3).toBe(0x80);
    expect(sim.counters.badRequests).toBe(1);
    expect(sim.counters.garbageBytesSeen).toBe(3);
  });

  it('accepts requests split into single bytes', async () => {
    const { sim, host } = rig();
    let rx: number[] = [];
    host.onData((c) => (rx = [...rx, ...c]));
    for (const b of FRAMES.samStatus) await host.write(Uint8Array.of(b));
    await pause(15);
    expect(parseResponse(Uint8Array.from(rx)).frame?.sw3).toBe(0x90);
    expect(sim.counters.requests).toBe(1);
  });
});

describe('IdCardSimulator faults', () => {
  it('silence: no answer at all', async () => {
    const { sim, send } = rig();
    sim.setFaults({ silence: true });
    expect((await send(FRAMES.samStatus)).length).toBe(0);
    expect(sim.counters.faultsInjected).toBe(1);
  });

  it('garbage: random bytes (never a fake preamble) before a valid reply', async () => {
    const { sim, send } = rig();
    sim.setFaults({ garbage: true });
    const bytes = await send(FRAMES.samStatus);
    expect(bytes.length).toBeGreaterThan(11);
    const first = parseResponse(bytes);
    expect(first.error?.kind).toBe('garbage');
    expect(parseResponse(bytes.subarray(first.consumed)).frame?.sw3).toBe(0x90);
  });

  it('badChecksum: the reply fails its checksum', async () => {
    const { sim, send } = rig();
    sim.setFaults({ badChecksum: true });
    expect(parseResponse(await send(FRAMES.samStatus)).error?.kind).toBe('checksum');
  });

  it('shortFrame: the reply is truncated (the parser keeps waiting)', async () => {
    const { sim, send } = rig();
    sim.setFaults({ shortFrame: true });
    const bytes = await send(FRAMES.samStatus);
    expect(bytes.length).toBe(5);
    expect(parseResponse(bytes).consumed).toBe(0);
  });

  it('pullMidRead: the 30 01 reply is cut and the card is gone', async () => {
    const { sim, ask, send } = rig();
    sim.place(zhang);
    sim.setFaults({ pullMidRead: true });
    await ask(FRAMES.findCard);
    await ask(FRAMES.selectCard);
    const bytes = await send(FRAMES.readText, 30);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.length).toBeLessThan(1295);
    expect(sim.cardPlaced).toBe(false);
    expect((await ask(FRAMES.findCard)).sw3).toBe(0x80);
  });

  it("pullMidRead 'status41': read answers 41 and the card is gone", async () => {
    const { sim, ask } = rig();
    sim.place(zhang);
    sim.setFaults({ pullMidRead: 'status41' });
    await ask(FRAMES.findCard);
    await ask(FRAMES.selectCard);
    expect((await ask(FRAMES.readText)).sw3).toBe(0x41);
    expect(sim.cardPlaced).toBe(false);
  });

  it('samFault and cardError answer the given status', async () => {
    const { sim, ask } = rig();
    sim.place(zhang);
    sim.setFaults({ cardError: 0x31 });
    await ask(FRAMES.findCard);
    expect((await ask(FRAMES.selectCard)).sw3).toBe(0x31);
    sim.setFaults({ samFault: 0x66 });
    expect((await ask(FRAMES.findCard)).sw3).toBe(0x66);
    sim.clearFaults();
    expect((await ask(FRAMES.findCard)).sw3).toBe(0x9f);
  });

  it('haltAfterRead: find fails after a read until the card is placed again (real SAM behaviour)', async () => {
    const { sim, ask, send } = rig({ haltAfterRead: true });
    sim.place(zhang);
    await ask(FRAMES.findCard);
    await ask(FRAMES.selectCard);
    await send(FRAMES.readText, 30);
    expect((await ask(FRAMES.findCard)).sw3).toBe(0x80);
    sim.place(zhang);
    expect((await ask(FRAMES.findCard)).sw3).toBe(0x9f);
  });

  it('stops answering after dispose', async () => {
    const { sim, send } = rig();
    sim.dispose();
    expect((await send(FRAMES.samStatus)).length).toBe(0);
  });
});
