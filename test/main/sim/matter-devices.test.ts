import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { MatterDeviceError } from '../../../main/core/matter-devices.js';
import { SimulatedPageSource, SimulatedPaymentTerminal, samplePage } from '../../../main/sim/matter-devices.js';

const never = (): AbortSignal => new AbortController().signal;

describe('the simulated scanner', () => {
  it('yields PNG pages with progress, as many as the feeder holds and the matter allows', async () => {
    const s = new SimulatedPageSource(1);
    s.pagesPerScan = 3;
    const progress: { pagesDone: number; pageProgress: number | null }[] = [];
    const pages = await s.scan({ maxPages: 2, signal: never(), onProgress: (p) => progress.push(p) });
    expect(pages).toHaveLength(2);
    for (const p of pages) expect(PNG.sync.read(Buffer.from(p))).toMatchObject({ width: 248, height: 350 });
    expect(Buffer.from(pages[0] ?? []).equals(Buffer.from(pages[1] ?? []))).toBe(false);
    expect(progress.at(-1)).toEqual({ pagesDone: 2, pageProgress: null });
    expect(progress.some((p) => p.pageProgress === 0.5)).toBe(true);
    expect(s.state()).toBe('ready');
  });

  it('faults: jam, empty feeder, unplugged; abort stops it', async () => {
    const s = new SimulatedPageSource(1);
    const states: string[] = [];
    s.onState((x) => states.push(x));
    s.setFault('jam');
    await expect(s.scan({ maxPages: 1, signal: never(), onProgress: () => undefined })).rejects.toBeInstanceOf(MatterDeviceError);
    s.setFault('empty');
    await expect(s.scan({ maxPages: 1, signal: never(), onProgress: () => undefined })).rejects.toMatchObject({ reason: 'no paper' });
    s.setFault(null);
    s.setConnected(false);
    await expect(s.scan({ maxPages: 1, signal: never(), onProgress: () => undefined })).rejects.toMatchObject({ reason: 'simulated scanner unplugged' });
    s.setConnected(true);
    const ac = new AbortController();
    const p = s.scan({ maxPages: 1, signal: ac.signal, onProgress: () => undefined });
    ac.abort(new Error('wiped'));
    await expect(p).rejects.toThrow('wiped');
    expect(states).toEqual(['busy', 'ready', 'offline', 'ready', 'busy', 'ready']);
    expect(samplePage(1, 1).length).toBeGreaterThan(100);
  });
});

describe('the simulated payment pad', () => {
  const sale = (pad: SimulatedPaymentTerminal, key: string, prompts: string[] = []) =>
    pad.sale({ key, amountFen: 2000, description: '工本费', signal: never(), onPrompt: (m) => prompts.push(m['zh-CN']) });

  it('approves with prompts; the same key never charges twice; reversal is recorded', async () => {
    const pad = new SimulatedPaymentTerminal(1);
    const prompts: string[] = [];
    const a = await sale(pad, 'K:fee:0', prompts);
    expect(a).toMatchObject({ outcome: 'approved', amountFen: 2000 });
    expect(prompts[0]).toContain('20.00');
    expect(await sale(pad, 'K:fee:0')).toEqual(a);
    expect(await pad.status('K:fee:0', never())).toEqual(a);
    expect(await pad.status('other', never())).toEqual({ outcome: 'unknown' });
    await pad.reverse('K:fee:0', never());
    expect(pad.sales()).toEqual([{ key: 'K:fee:0', outcome: 'approved', amountFen: 2000, reversed: true }]);
  });

  it('declines; loses the reply after the debit once (status then finds the approval)', async () => {
    const pad = new SimulatedPaymentTerminal(1);
    pad.setFault('decline');
    expect(await sale(pad, 'A')).toMatchObject({ outcome: 'declined' });
    pad.setFault('lostAfterDebit');
    await expect(sale(pad, 'B')).rejects.toBeInstanceOf(MatterDeviceError);
    expect(await pad.status('B', never())).toMatchObject({ outcome: 'approved' });
    pad.setConnected(false);
    await expect(sale(pad, 'C')).rejects.toBeInstanceOf(MatterDeviceError);
  });

  it('with a store file its sales outlive a restart of the host (a real pad outlives a crash of the core); a torn last line is ignored', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pad-sim-')), 'payment-sim.jsonl');
    const a = new SimulatedPaymentTerminal(1, file);
    const sale = await a.sale({ key: 'k1', amountFen: 2000, description: 'fee', signal: never(), onPrompt: () => undefined });
    expect(sale.outcome).toBe('approved');
    await a.sale({ key: 'k2', amountFen: 500, description: 'fee', signal: never(), onPrompt: () => undefined });
    await a.reverse('k2', never());
    appendFileSync(file, '{"key":"k3","outc');
    const b = new SimulatedPaymentTerminal(1, file);
    expect(await b.status('k1', never())).toEqual(sale);
    expect((await b.status('k2', never())).outcome).toBe('declined');
    expect((await b.status('k3', never())).outcome).toBe('unknown');
    // The same key after the restart: the same sale, never a second charge.
    expect(await b.sale({ key: 'k1', amountFen: 2000, description: 'fee', signal: never(), onPrompt: () => undefined })).toEqual(sale);
    expect(b.sales().map((x) => [x.key, x.reversed])).toEqual([
      ['k1', false],
      ['k2', true],
    ]);
  });
});
