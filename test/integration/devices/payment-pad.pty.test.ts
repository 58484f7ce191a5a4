/**
 * The payment pad against its simulator over real kernel pseudo-terminals (socat): NexoPaymentPad on
 * hostPath through SerialOpener; one PadSimulator (one bank ledger) re-attached to the device end
 * whenever a LinkKeeper reopens it, so an "unplug" (socat killed) loses the link, not the ledger.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NexoPaymentPad, newServiceId } from '../../../drivers/payment-pad/pad.js';
import { PadSimulator } from '../../../drivers/payment-pad/simulator.js';
import { LinkKeeper } from '../../../drivers/transport/keeper.js';
import { SerialOpener } from '../../../drivers/transport/serial.js';
import { until } from '../../helpers/until.js';
import { createPtyPair, usePtyPairs, type PtyPair } from '../../helpers/pty.js';

usePtyPairs();

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function rig(): Promise<{ pty: PtyPair; pad: NexoPaymentPad; sim: PadSimulator }> {
  const pty = await createPtyPair();
  const sim = new PadSimulator(undefined, { ackTimeoutMs: 300, unplug: () => void pty.kill() });
  const deviceSide = new LinkKeeper(new SerialOpener({ path: pty.devicePath, baudRate: 9600 }), { baseMs: 50, capMs: 200 });
  deviceSide.on((e) => {
    if (e.type === 'up') sim.attach(e.transport);
  });
  deviceSide.start();
  await deviceSide.ready(AbortSignal.timeout(5000));
  const pad = new NexoPaymentPad('payment-pad', new SerialOpener({ path: pty.hostPath, baudRate: 9600 }), {
    saleId: 'NX-YC-0001',
    ackTimeoutMs: 500,
    paymentTimeoutMs: 1500,
    serviceTimeoutMs: 1500,
    keeper: { baseMs: 50, capMs: 300 },
  });
  pad.start();
  stops.push(async () => {
    await pad.close();
    sim.dispose();
    await deviceSide.stop();
  });
  await until('pad online', () => pad.status().state === 'online', 5000);
  return { pty, pad, sim };
}

describe('payment pad ↔ simulator over a pty (9600 baud)', () => {
  it('pays, answers a status inquiry with the original answer, and reverses', async () => {
    const { pad, sim } = await rig();
    const p = { amountFen: 3650, saleTransactionId: 'mk-1/fee/1', serviceId: newServiceId() };
    const out = await pad.pay(p);
    expect(out).toMatchObject({ outcome: 'approved', authorizedFen: 3650 });
    if (out.outcome !== 'approved') return;
    expect(await pad.transactionStatus({ category: 'Payment', serviceId: p.serviceId })).toEqual({ status: 'found', payment: out });
    expect(await pad.reverse({ original: out.poiTransaction, serviceId: newServiceId() })).toEqual({ outcome: 'reversed', reversedFen: 3650 });
    expect(sim.ledger()).toMatchObject([{ state: 'reversed', amountFen: 3650 }]);
  });

  it('timeout after debit: unknown, then the inquiry finds the one charge', async () => {
    const { pad, sim } = await rig();
    sim.setFaults({ timeoutAfterDebit: true });
    const p = { amountFen: 100, saleTransactionId: 'mk-2/fee/1', serviceId: newServiceId() };
    expect(await pad.pay(p)).toMatchObject({ outcome: 'unknown', reason: 'no-response' });
    expect(await pad.transactionStatus({ category: 'Payment', serviceId: p.serviceId })).toMatchObject({ status: 'found', payment: { outcome: 'approved' } });
    expect(sim.captured()).toHaveLength(1);
  });

  it('NAK storm and garbage: typed unknown for the first, a normal payment through the second', async () => {
    const { pad, sim } = await rig();
    sim.setFaults({ nakStorm: true });
    expect(await pad.pay({ amountFen: 100, saleTransactionId: 'mk-3/fee/1', serviceId: newServiceId() })).toMatchObject({ outcome: 'unknown', reason: 'refused-by-link' });
    sim.clearFaults();
    sim.setFaults({ garbage: true });
    expect(await pad.pay({ amountFen: 100, saleTransactionId: 'mk-3/fee/2', serviceId: newServiceId() })).toMatchObject({ outcome: 'approved' });
    expect(pad.status().counters.garbageBytes).toBeGreaterThan(0);
    expect(sim.captured()).toHaveLength(1);
  });

  it('the cable is pulled after the debit: unknown; plugged back, the inquiry finds the charge', async () => {
    const { pty, pad, sim } = await rig();
    sim.setFaults({ unplugMidTransaction: 'after-debit' });
    const p = { amountFen: 2000, saleTransactionId: 'mk-4/fee/1', serviceId: newServiceId() };
    expect(await pad.pay(p)).toMatchObject({ outcome: 'unknown' });
    await until('pad offline', () => pad.status().state === 'offline', 5000);
    await pty.restart();
    await until('pad back online', () => pad.status().state === 'online', 8000);
    expect(await pad.transactionStatus({ category: 'Payment', serviceId: p.serviceId })).toMatchObject({ status: 'found', payment: { outcome: 'approved' } });
    expect(sim.captured()).toHaveLength(1);
  });

  it('a declined card and a card pulled out: declined, nothing charged', async () => {
    const { pad, sim } = await rig();
    sim.setFaults({ decline: true });
    expect(await pad.pay({ amountFen: 1, saleTransactionId: 'mk-5/fee/1', serviceId: newServiceId() })).toMatchObject({ outcome: 'declined', reason: 'refused' });
    sim.clearFaults();
    sim.setFaults({ cardRemoved: true });
    expect(await pad.pay({ amountFen: 1, saleTransactionId: 'mk-5/fee/2', serviceId: newServiceId() })).toMatchObject({ outcome: 'declined', reason: 'canceled' });
    expect(sim.ledger()).toEqual([]);
  });
});
