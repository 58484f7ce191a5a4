import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionView } from '../../../main/contract/index.js';
import { DraftBody } from '../../../main/core/resume.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { caseRequests, startMatterKiosk, type MatterKiosk } from './matters-helpers.js';
import { crashImage, restart, valueFor, type Driven } from './resume-helpers.js';

/**
 * Issue 12 item 4, in one process: a crash image of the data directory taken in the middle of a matter, a kiosk
 * restarted on it (resume-helpers.ts). The SIGKILL of a child process running the web host is resume-kill.test.ts.
 */

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function first(profile: Record<string, unknown> = {}): Promise<MatterKiosk> {
  const k = await startMatterKiosk({ profile });
  open.push(k);
  return k;
}
async function second(dataDir: string, k: MatterKiosk, profile: Record<string, unknown> = {}): Promise<Driven> {
  const d = await restart(dataDir, k.proxy.url, { profile });
  open.push({ close: () => d.kiosk.close() });
  return d;
}

const ZHANG = SAMPLE_IDENTITIES['resident-zhang']!;
const NEWBORN = 'SAMPLE-SB-0005';
const stepIs = (kind: string, phase?: string) => (v: SessionView) => v.screen === 'matter' && v.matter?.step.kind === kind && (phase === undefined || (v.matter.step as { phase?: string }).phase === phase);

/** Identifies with the card, chooses the newborn matter, types two of its fields. */
async function midForm(k: MatterKiosk | Driven): Promise<Record<string, string>> {
  k.kiosk.sim?.placeCard('resident-zhang');
  await k.waitView((v) => v.screen === 'welcome' && v.matters !== null, 'the matter list');
  await k.ok('matter.choose', { code: NEWBORN });
  await k.waitView(stepIs('form'), 'the form');
  await k.ok('matter.input', { key: 'childName', value: '马小宁' });
  await k.ok('matter.input', { key: 'phone', value: '13912345678' });
  return { childName: '马小宁', phone: '13912345678' };
}

function draftOf(k: MatterKiosk | Driven): DraftBody | null {
  const stored = k.kiosk.core.queue.cache?.drafts.load() ?? null;
  return stored === null ? null : DraftBody.parse(stored.body);
}

describe('crash resume (in one process: a crash image and a restarted core)', () => {
  it('mid-form: the draft is sealed at every change; after the restart the attract screen asks for the card; the same card puts the citizen back on the form with their entries; one case at the platform', async () => {
    const k = await first();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    const typed = await midForm(k);
    await k.ok('ui.setVoice', { on: false, volume: 40 });
    await k.waitFor(() => draftOf(k)?.voice?.volume === 40, 'the voice choice in the draft');
    const draft = draftOf(k);
    expect(draft?.run.matterCode).toBe(NEWBORN);
    expect(draft?.run.snapshot).toContain('13912345678');
    // Never the ID number, not even inside the sealed draft.
    expect(JSON.stringify(draft)).not.toContain(ZHANG.idNumber);
    const image = await crashImage(k);

    const b = await second(image, k);
    const attract = await b.waitView((v) => v.screen === 'attract' && v.resumable != null, 'the resume question');
    expect(attract.resumable?.matter['zh-CN']).toBe('新生儿社会保障卡申领');
    await b.waitView(() => b.kiosk.core.resume.offering, 'the offer');
    b.kiosk.sim?.placeCard('resident-zhang');
    const v = await b.waitView(stepIs('form'), 'the form again');
    const fields = v.matter?.step.kind === 'form' ? v.matter.step.fields : [];
    expect(Object.fromEntries(fields.filter((f) => f.key in typed).map((f) => [f.key, f.value]))).toEqual(typed);
    expect(v.citizen?.name).toBe(ZHANG.name);
    // Their voice guidance choice too.
    expect(v.voice).toEqual({ on: false, volume: 40 });
    // The rest of the form, submit, print, rate.
    for (const f of fields) if (f.value === '') await b.ok('matter.input', { key: f.key, value: valueFor(f) });
    await b.ok('matter.next', {});
    await b.waitView(stepIs('submit', 'confirm'), 'the summary');
    await b.ok('matter.submit', {});
    await b.waitView(stepIs('review', 'choosing'), 'the rating', 20_000);
    await k.waitFor(() => k.platform.cases().length > 0, 'the case at the platform');
    expect(k.platform.cases()).toHaveLength(1);
    const cases = caseRequests(k.proxy);
    expect(cases[0]?.body.form).toMatchObject({ values: { childName: '马小宁', phone: '13912345678' } });
    // The draft goes with the matter.
    await b.ok('matter.rate', { level: 'very-satisfied' });
    await b.waitView((x) => x.screen === 'finished', 'goodbye');
    expect(b.kiosk.core.queue.cache?.drafts.has()).toBe(false);
  });

  it('another card after the restart: the interrupted session is discarded (wiped) and the new citizen starts their own', async () => {
    const k = await first();
    await midForm(k);
    const b = await second(await crashImage(k), k);
    await b.waitView(() => b.kiosk.core.resume.offering, 'the offer');
    b.kiosk.sim?.placeCard('resident-longterm');
    const v = await b.waitView((x) => x.screen === 'welcome', 'the other citizen on the matter list');
    expect(v.citizen?.name).toBe(SAMPLE_IDENTITIES['resident-longterm']?.name);
    expect(b.kiosk.core.queue.cache?.drafts.has()).toBe(false);
    expect(v.resumable ?? null).toBeNull();
  });

  it('a restart after the idle timeout: nothing is offered and the draft is wiped', async () => {
    const k = await first({ idle: { timeoutSeconds: 60, warningSeconds: 10 } });
    await midForm(k);
    const image = await crashImage(k);
    // The last save was 61 s before the restart.
    const db = new Database(join(image, 'kiosk.db'));
    db.prepare('UPDATE session_drafts SET saved_at = saved_at - 61000').run();
    db.close();
    const b = await second(image, k, { idle: { timeoutSeconds: 60, warningSeconds: 10 } });
    await b.waitView(() => b.kiosk.core.queue.cache?.drafts.has() === false, 'the draft wiped');
    expect(b.view().resumable ?? null).toBeNull();
    expect(b.kiosk.core.resume.offering).toBe(false);
    b.kiosk.sim?.placeCard('resident-zhang');
    await b.waitView((x) => x.screen === 'welcome', 'a fresh session for the same citizen');
  });

  it('the draft is wiped with the session: cancel, idle wipe, a new card', async () => {
    const k = await first({ idle: { timeoutSeconds: 5, warningSeconds: 3 } });
    await midForm(k);
    expect(k.kiosk.core.queue.cache?.drafts.has()).toBe(true);
    await k.ok('matter.cancel', {});
    await k.ok('matter.cancelConfirm', {});
    await k.waitView((v) => v.screen === 'welcome', 'back on the list');
    expect(k.kiosk.core.queue.cache?.drafts.has()).toBe(false);
    await k.ok('matter.choose', { code: NEWBORN });
    await k.ok('matter.input', { key: 'childName', value: '马小宁' });
    expect(k.kiosk.core.queue.cache?.drafts.has()).toBe(true);
    k.kiosk.sim?.removeCard();
    await k.waitView((v) => !v.cardOnReader, 'the card taken');
    k.kiosk.sim?.placeCard('resident-longterm');
    await k.waitView((v) => v.screen === 'welcome' && v.citizen?.name === SAMPLE_IDENTITIES['resident-longterm']?.name, 'the new card');
    expect(k.kiosk.core.queue.cache?.drafts.has()).toBe(false);
    await k.ok('matter.choose', { code: NEWBORN });
    expect(k.kiosk.core.queue.cache?.drafts.has()).toBe(true);
    await k.waitView((v) => v.screen === 'attract', 'the idle wipe', 15_000);
    expect(k.kiosk.core.queue.cache?.drafts.has()).toBe(false);
  });

  it('a crash between the commit of the submission and the next save: the summary again, and 提交 gives the same acceptance number (never a second case)', async () => {
    const k = await first();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    await midForm(k);
    const v = k.view();
    const fields = v.matter?.step.kind === 'form' ? v.matter.step.fields : [];
    for (const f of fields) if (f.value === '') await k.ok('matter.input', { key: f.key, value: valueFor(f) });
    await k.ok('matter.next', {});
    await k.waitView(stepIs('submit', 'confirm'), 'the summary');
    // The image is taken while the draft still says 'confirm'; the submission is committed right after it.
    const image = await crashImage(k);
    const draftKey = draftOf(k)?.run.key ?? '';
    await k.kiosk.core.submit({ kind: 'matter', idempotencyKey: draftKey, payload: { matterCode: NEWBORN, applicantToken: draftOf(k)?.run.holder ?? '', form: {} } });
    const committed = await crashImage(k);
    expect(image).not.toBe(committed);
    const db = new Database(join(committed, 'kiosk.db'));
    // The committed image, with the older draft (the crash came before the draft knew).
    const old = new Database(join(image, 'kiosk.db'), { readonly: true });
    const row = old.prepare('SELECT matter_key, saved_at, body FROM session_drafts').get() as { matter_key: string; saved_at: number; body: Buffer };
    old.close();
    db.prepare('UPDATE session_drafts SET saved_at = ?, body = ? WHERE matter_key = ?').run(row.saved_at, row.body, row.matter_key);
    db.close();
    const acceptance = k.kiosk.core.queue.cache?.outbox.findByKey(draftKey);
    expect(acceptance).toBeDefined();

    const b = await second(committed, k);
    await b.waitView(() => b.kiosk.core.resume.offering, 'the offer');
    b.kiosk.sim?.placeCard('resident-zhang');
    await b.waitView(stepIs('submit', 'confirm'), 'the summary again');
    await b.ok('matter.submit', {});
    const printed = await b.waitView((x) => x.screen === 'matter' && (x.matter?.step.kind === 'print' || x.matter?.step.kind === 'review'), 'printed', 20_000);
    expect(printed.matter).not.toBeNull();
    expect(b.kiosk.core.queueStats()?.pending ?? 0).toBeLessThanOrEqual(1);
    const keys = b.kiosk.core.queue.cache?.db.prepare("SELECT COUNT(*) AS n FROM records WHERE kind = 'case-submission'").get() as { n: number };
    expect(keys.n).toBe(1);
    await k.waitFor(() => k.platform.cases().length > 0, 'the case at the platform');
    // Both kiosks (the one that died and the restarted one, on the crash image) delivered the key: one case.
    await k.waitFor(() => b.kiosk.core.queueStats()?.pending === 0, 'delivered from the restarted kiosk');
    expect(k.platform.cases()).toHaveLength(1);
  });

  it('a crash while the receipt was printing: not printed again by itself; the citizen is told and can ask for it', async () => {
    const k = await first();
    await midForm(k);
    const v = k.view();
    const fields = v.matter?.step.kind === 'form' ? v.matter.step.fields : [];
    for (const f of fields) if (f.value === '') await k.ok('matter.input', { key: f.key, value: valueFor(f) });
    await k.ok('matter.next', {});
    await k.waitView(stepIs('submit', 'confirm'), 'the summary');
    // The printer takes the bytes and never answers: the receipt may or may not be in the tray when the core dies.
    k.kiosk.sim?.setPrinterFault('silence', true);
    await k.ok('matter.submit', {});
    await k.waitView(stepIs('print', 'printing'), 'printing');
    await k.waitFor(() => (draftOf(k)?.run.printing.length ?? 0) === 1, 'the print intent in the draft');
    const image = await crashImage(k);

    const b = await second(image, k);
    await b.waitView(() => b.kiosk.core.resume.offering, 'the offer');
    b.kiosk.sim?.placeCard('resident-zhang');
    const failed = await b.waitView(stepIs('print', 'failed'), 'the print step, not printing');
    expect(failed.matter?.step.kind === 'print' ? failed.matter.step.message?.['zh-CN'] : '').toMatch(/可能已经打印/);
    expect(b.kiosk.printedReceipts()).toHaveLength(0);
    await b.ok('matter.reprint', {});
    await b.waitView(stepIs('print', 'printed'), 'printed on request');
    expect(b.kiosk.printedReceipts()).toHaveLength(1);
  });
});
