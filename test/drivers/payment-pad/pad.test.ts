/**
 * NexoPaymentPad against PadSimulator over in-process memory links: every simulator fault gives the
 * outcome the payment service relies on (the model pad of test/main/core/payments.property.test.ts
 * is built from this mapping).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NexoPaymentPad, newServiceId, type NexoPaymentPadOptions } from '../../../drivers/payment-pad/pad.js';
import { PadSimulator, type PadSimulatorOptions } from '../../../drivers/payment-pad/simulator.js';
import { MemoryPort } from '../../../drivers/transport/memory.js';

const open: { pad: NexoPaymentPad; sim: PadSimulator }[] = [];
afterEach(async () => {
  for (const { pad, sim } of open.splice(0)) {
    await pad.close();
    sim.dispose();
  }
});

async function rig(padOpts: Partial<NexoPaymentPadOptions> = {}, simOpts: PadSimulatorOptions = {}) {
  const holder: { port?: MemoryPort } = {};
  const sim = new PadSimulator(undefined, { ackTimeoutMs: 50, unplug: () => holder.port?.unplug(), ...simOpts });
  const port = new MemoryPort('memory:pad', (end) => sim.attach(end), { maxChunk: 19 });
  holder.port = port;
  const pad = new NexoPaymentPad('pad', port, { saleId: 'NX-YC-0001', ackTimeoutMs: 60, paymentTimeoutMs: 150, serviceTimeoutMs: 150, abortWaitMs: 200, keeper: { baseMs: 5, capMs: 20 }, ...padOpts });
  open.push({ pad, sim });
  pad.start();
  await vi.waitFor(() => expect(pad.status().state).toBe('online'), { timeout: 2000, interval: 5 });
  return { pad, sim, port };
}

const payment = (amountFen = 1250, key = 'M1/fee/1') => ({ amountFen, saleTransactionId: key, serviceId: newServiceId() });

describe('NexoPaymentPad ↔ PadSimulator', () => {
  it('approves: the pad reference, the amount; the bank has one charge; the status inquiry repeats it', async () => {
    const { pad, sim } = await rig();
    const p = payment();
    const out = await pad.pay(p);
    expect(out).toMatchObject({ outcome: 'approved', authorizedFen: 1250, poiTransaction: { transactionId: expect.stringMatching(/^SIM-PAD-01-/) } });
    expect(sim.captured()).toEqual([expect.objectContaining({ saleTransactionId: 'M1/fee/1', amountFen: 1250, serviceId: p.serviceId })]);
    expect(await pad.transactionStatus({ category: 'Payment', serviceId: p.serviceId })).toEqual({ status: 'found', payment: out });
    expect(pad.poiId).toBe('SIM-PAD-01');
    expect(pad.status().counters).toMatchObject({ payments: 1, approved: 1 });
  });

  it('decline → declined/refused; card removed → declined/canceled; nothing charged', async () => {
    const { pad, sim } = await rig();
    sim.setFaults({ decline: true });
    expect(await pad.pay(payment())).toMatchObject({ outcome: 'declined', reason: 'refused', errorCondition: 'Refusal' });
    sim.clearFaults();
    sim.setFaults({ cardRemoved: true });
    expect(await pad.pay(payment())).toMatchObject({ outcome: 'declined', reason: 'canceled', errorCondition: 'Cancel' });
    expect(sim.ledger()).toEqual([]);
  });

  it('timeout after debit → unknown/no-response; the status inquiry finds the approval', async () => {
    const { pad, sim } = await rig();
    sim.setFaults({ timeoutAfterDebit: true });
    const p = payment();
    expect(await pad.pay(p)).toMatchObject({ outcome: 'unknown', reason: 'no-response' });
    expect(sim.captured()).toHaveLength(1);
    const s = await pad.transactionStatus({ category: 'Payment', serviceId: p.serviceId });
    expect(s).toMatchObject({ status: 'found', payment: { outcome: 'approved', authorizedFen: 1250 } });
  });

  it('lost reply → unknown/no-response (the pad sent it, it never arrived); charged', async () => {
    const { pad, sim } = await rig();
    sim.setFaults({ lostReply: true });
    expect(await pad.pay(payment())).toMatchObject({ outcome: 'unknown', reason: 'no-response' });
    expect(sim.captured()).toHaveLength(1);
  });

  it('NAK storm → unknown/refused-by-link after the retransmission limit; nothing charged; a status inquiry later says not-found', async () => {
    const { pad, sim } = await rig({ maxRetransmits: 2 });
    sim.setFaults({ nakStorm: true });
    const p = payment();
    expect(await pad.pay(p)).toMatchObject({ outcome: 'unknown', reason: 'refused-by-link' });
    expect(sim.counters.naksSent).toBe(3);
    expect(pad.status().counters.retransmits).toBe(2);
    sim.clearFaults();
    expect(await pad.transactionStatus({ category: 'Payment', serviceId: p.serviceId })).toEqual({ status: 'not-found' });
    expect(sim.ledger()).toEqual([]);
  });

  it('garbage on the line: counted, and the payment goes through', async () => {
    const { pad, sim } = await rig();
    sim.setFaults({ garbage: true });
    expect(await pad.pay(payment())).toMatchObject({ outcome: 'approved' });
    expect(pad.status().counters.garbageBytes).toBeGreaterThan(0);
  });

  it('a corrupted frame from the pad is NAKed and repeated by the pad', async () => {
    let corruptNext = true;
    const sim = new PadSimulator(undefined, { ackTimeoutMs: 50 });
    const port = new MemoryPort('memory:pad', (end) => {
      // flip one bit in the first response frame the pad sends
      const write = end.write.bind(end);
      end.write = (bytes, signal) => {
        if (corruptNext && bytes.length > 10) {
          corruptNext = false;
          const b = Uint8Array.from(bytes);
          b[5] = (b[5] as number) ^ 0x01;
          return write(b, signal);
        }
        return write(bytes, signal);
      };
      sim.attach(end);
    });
    const pad = new NexoPaymentPad('pad', port, { saleId: 'NX', ackTimeoutMs: 60, paymentTimeoutMs: 300, keeper: { baseMs: 5, capMs: 20 } });
    open.push({ pad, sim });
    pad.start();
    await vi.waitFor(() => expect(pad.status().state).toBe('online'), { timeout: 2000, interval: 5 });
    expect(await pad.pay(payment())).toMatchObject({ outcome: 'approved' });
    expect(pad.status().counters.naksSent).toBe(1);
  });

  it('unplugged mid-transaction after the debit → unknown/link-lost; back online, the inquiry finds the charge', async () => {
    const { pad, sim, port } = await rig();
    sim.setFaults({ unplugMidTransaction: 'after-debit' });
    const p = payment();
    const out = await pad.pay(p);
    expect(out).toMatchObject({ outcome: 'unknown', reason: 'link-lost' });
    await vi.waitFor(() => expect(pad.status().state).toBe('offline'), { timeout: 2000, interval: 5 });
    port.plug();
    await vi.waitFor(() => expect(pad.status().state).toBe('online'), { timeout: 2000, interval: 5 });
    expect(await pad.transactionStatus({ category: 'Payment', serviceId: p.serviceId })).toMatchObject({ status: 'found', payment: { outcome: 'approved' } });
  });

  it('unplugged before the debit → unknown/link-lost; the inquiry says not-found', async () => {
    const { pad, sim, port } = await rig();
    sim.setFaults({ unplugMidTransaction: 'before-debit' });
    const p = payment();
    expect(await pad.pay(p)).toMatchObject({ outcome: 'unknown', reason: 'link-lost' });
    port.plug();
    await vi.waitFor(() => expect(pad.status().state).toBe('online'), { timeout: 2000, interval: 5 });
    expect(await pad.transactionStatus({ category: 'Payment', serviceId: p.serviceId })).toEqual({ status: 'not-found' });
    expect(sim.ledger()).toEqual([]);
  });

  it('a pad that is not connected: declined/not-sent, nothing written', async () => {
    const { pad, port } = await rig();
    port.unplug();
    await vi.waitFor(() => expect(pad.status().state).toBe('offline'), { timeout: 2000, interval: 5 });
    expect(await pad.pay(payment())).toMatchObject({ outcome: 'declined', reason: 'not-sent' });
  });

  it('silence: unknown/no-ack after every retransmission', async () => {
    const { pad, sim } = await rig({ maxRetransmits: 1 });
    sim.setFaults({ silence: true });
    expect(await pad.pay(payment())).toMatchObject({ outcome: 'unknown', reason: 'no-ack' });
  });

  it('abort through the signal while the citizen is at the pad: Abort goes out, the pad ends it (declined/aborted), nothing charged', async () => {
    const { pad, sim } = await rig({ paymentTimeoutMs: 5000 }, { processingMs: 400 });
    const ac = new AbortController();
    const paying = pad.pay(payment(), ac.signal);
    await vi.waitFor(() => expect(sim.busy).toBe(true), { timeout: 2000, interval: 2 });
    ac.abort(new Error('citizen left'));
    expect(await paying).toMatchObject({ outcome: 'declined', reason: 'aborted' });
    expect(sim.counters.aborts).toBe(1);
    expect(sim.ledger()).toEqual([]);
  });

  it('a retransmitted request is not a second payment (the pad deduplicates by ServiceID)', async () => {
    // The first ACK is lost on the way back: the kiosk sends the request again.
    let dropAck = true;
    const sim = new PadSimulator(undefined, { ackTimeoutMs: 50 });
    const port = new MemoryPort('memory:pad', (end) => {
      const write = end.write.bind(end);
      end.write = (bytes, signal) => {
        if (dropAck && bytes.length === 1 && bytes[0] === 0x06) {
          dropAck = false;
          return Promise.resolve();
        }
        return write(bytes, signal);
      };
      sim.attach(end);
    });
    const pad = new NexoPaymentPad('pad', port, { saleId: 'NX', ackTimeoutMs: 40, paymentTimeoutMs: 300, keeper: { baseMs: 5, capMs: 20 } });
    open.push({ pad, sim });
    pad.start();
    await vi.waitFor(() => expect(pad.status().state).toBe('online'), { timeout: 2000, interval: 5 });
    const out = await pad.pay(payment());
    expect(out.outcome).toBe('approved');
    expect(sim.captured()).toHaveLength(1);
  });

  it('reverses an approved payment once; a second reversal is refused; the reversal has a status too', async () => {
    const { pad, sim } = await rig();
    const out = await pad.pay(payment());
    if (out.outcome !== 'approved') throw new Error('not approved');
    const sid = newServiceId();
    expect(await pad.reverse({ original: out.poiTransaction, serviceId: sid })).toEqual({ outcome: 'reversed', reversedFen: 1250 });
    expect(sim.captured()).toEqual([]);
    expect(await pad.transactionStatus({ category: 'Reversal', serviceId: sid })).toMatchObject({ status: 'found', reversal: { outcome: 'reversed' } });
    expect(await pad.reverse({ original: out.poiTransaction, serviceId: newServiceId() })).toMatchObject({ outcome: 'refused', errorCondition: 'NotAllowed' });
  });

  it('a late answer after a timeout is reported, never taken for the next request', async () => {
    const { pad, sim } = await rig({ paymentTimeoutMs: 100 }, { processingMs: 250 });
    const late: string[] = [];
    pad.onLateResponse((r) => late.push(`${r.category}:${r.header.serviceId}`));
    const first = payment();
    expect(await pad.pay(first)).toMatchObject({ outcome: 'unknown', reason: 'no-response' });
    await vi.waitFor(() => expect(late).toEqual([`Payment:${first.serviceId}`]), { timeout: 2000, interval: 5 });
    expect(pad.status().counters.lateResponses).toBe(1);
    expect(sim.captured()).toHaveLength(1);
  });

  it('health: internal (link), external (a status inquiry answers)', async () => {
    const { pad } = await rig();
    expect(await pad.checkHealth('internal')).toMatchObject({ ok: true });
    expect(await pad.checkHealth('external')).toMatchObject({ ok: true, text: expect.stringContaining('answers') });
  });
});
