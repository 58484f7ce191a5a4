import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { SessionView, type FieldView, type ServerMessage, type StepView, type StepViewOf } from '../../../main/contract/index.js';
import { ratingKey } from '../../../main/core/delivery.js';
import { PlatformClient } from '../../../main/platform/client.js';
import { DEV_TERMINAL_KEY } from '../../../main/core/profile.js';
import { SAMPLE_IDENTITIES } from '../../../drivers/id-card/samples.js';
import { caseRequests, ratingRequests, startMatterKiosk, type MatterKiosk } from './matters-helpers.js';

const kiosks: MatterKiosk[] = [];
afterEach(async () => {
  for (const k of kiosks.splice(0)) await k.close();
});

async function kiosk(opts: Parameters<typeof startMatterKiosk>[0] = {}): Promise<MatterKiosk> {
  const k = await startMatterKiosk(opts);
  kiosks.push(k);
  return k;
}

const step = <K extends StepView['kind']>(v: SessionView, kind: K): StepViewOf<K> | null => (v.matter?.step.kind === kind ? (v.matter.step as StepViewOf<K>) : null);
const stepIs = (kind: string, phase?: string) => (v: SessionView) => v.matter?.step.kind === kind && (phase === undefined || (v.matter.step as { phase?: string }).phase === phase);

function valueFor(f: FieldView): string {
  switch (f.kind) {
    case 'choice':
      return f.options?.[0]?.value ?? '';
    case 'yesno':
      return 'yes';
    case 'date':
      return '2025-01-15';
    case 'phone':
      return '13912345678';
    case 'digits':
      return '6222020200112233445';
    case 'chinese':
      return '金凤区北京中路九号';
    case 'text':
      return '测试';
  }
}

/** Places the card and waits for the matter list. */
async function identify(k: MatterKiosk, sample = 'resident-zhang'): Promise<SessionView> {
  k.kiosk.sim?.placeCard(sample);
  return k.waitView((v) => v.screen === 'welcome' && v.matters !== null, 'the matter list');
}

/** Fills every empty field with a valid value and presses Next. */
async function fillForm(k: MatterKiosk): Promise<void> {
  const v = await k.waitView(stepIs('form'), 'the form');
  const form = v.matter?.step;
  if (form?.kind !== 'form') throw new Error('not a form');
  for (const f of form.fields) if (f.value === '') await k.ok('matter.input', { key: f.key, value: valueFor(f) });
  await k.ok('matter.next', {});
}

/** Rates, and waits for the goodbye screen. */
async function rate(k: MatterKiosk, level: 'very-satisfied' | 'dissatisfied' = 'very-satisfied'): Promise<SessionView> {
  await k.waitView(stepIs('review', 'choosing'), 'the rating');
  await k.ok('matter.rate', { level });
  if (level === 'dissatisfied') {
    await k.waitView(stepIs('review', 'reasons'), 'the reasons');
    await k.ok('matter.rateReasons', { reasons: ['too-slow', 'interface-unfriendly'], text: '等了很久' });
  }
  return k.waitView((v) => v.screen === 'finished', 'the goodbye screen');
}

const ZHANG = SAMPLE_IDENTITIES['resident-zhang'];

describe('a matter through the core, with simulated devices and the platform simulator', () => {
  it('online, with the commitment and an e-certificate: the platform holds the case once with the form and the certificate id; the receipt has the number, name, masked ID and a QR of the number; the rating once', async () => {
    const k = await kiosk();
    const pushed: ServerMessage[] = [];
    k.kiosk.core.connect({ send: (m) => pushed.push(m) });
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    const list = await identify(k);
    const residence = list.matters?.categories.flatMap((c) => c.matters).find((m) => m.code === 'SAMPLE-GA-0002');
    expect(residence?.unavailable).toBeNull();
    // The view never carries the full ID number.
    expect(JSON.stringify(k.view())).not.toContain(ZHANG?.idNumber);

    await k.ok('matter.choose', { code: 'SAMPLE-GA-0002' });
    await k.waitView(stepIs('notice'), 'the notice');
    await k.ok('matter.next', {});
    const form = (await k.waitView(stepIs('form'), 'the form')).matter?.step as StepViewOf<'form'>;
    expect(form.fields.find((f) => f.key === 'applicantName')).toMatchObject({ value: ZHANG?.name, source: 'card' });
    expect(form.fields.find((f) => f.key === 'registeredAddress')).toMatchObject({ value: ZHANG?.address, source: 'card' });
    // A bad phone number: the error in words, and Next does not move on.
    await k.ok('matter.input', { key: 'phone', value: '123' });
    await k.ok('matter.next', {});
    const bad = (await k.waitView((v) => step(v, 'form')?.errorCount === 2, 'two errors shown')).matter?.step as StepViewOf<'form'>;
    expect(bad.fields.find((f) => f.key === 'phone')?.error?.['zh-CN']).toContain('手机号码');
    await k.ok('matter.input', { key: 'phone', value: '13912345678' });
    await k.ok('matter.input', { key: 'residence', value: '金凤区北京中路九号' });
    await k.ok('matter.next', {});

    await k.waitView(stepIs('commitment'), 'the commitment');
    await k.ok('matter.commit', {});
    const materials = (await k.waitView(stepIs('materials', 'ready'), 'the materials')).matter?.step as StepViewOf<'materials'>;
    const permit = materials.items.find((m) => m.key === 'residencePermit');
    expect(permit?.offer).toMatchObject({ title: '宁夏回族自治区居住证（样例）', issuer: '银川市公安局兴庆区分局' });
    await k.ok('matter.useCertificate', { material: 'residencePermit' });
    await k.ok('matter.useCommitment', { material: 'residenceProof' });
    await k.ok('matter.next', {});

    const submit = (await k.waitView(stepIs('submit', 'confirm'), 'the submit step')).matter?.step as StepViewOf<'submit'>;
    expect(submit.willQueue).toBe(false);
    expect(submit.summary.materials).toEqual([
      { name: expect.objectContaining({ 'zh-CN': '居住证' }), provided: 'e-certificate' },
      { name: expect.objectContaining({ 'zh-CN': '居住证明（租赁合同或房屋产权证明）' }), provided: 'commitment' },
    ]);
    await k.ok('matter.submit', {});
    const printed = (await k.waitView(stepIs('print', 'printed'), 'the receipt printed')).matter?.step as StepViewOf<'print'>;
    const number = printed.receipt.acceptanceNumber;
    expect(number).toMatch(/^NX-DEV-0001-\d{8}-\d{6}$/);
    expect(printed.receipt.caseNumber).toMatch(/^NX-\d{8}-\d{7}$/);
    expect(printed.receipt.qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(printed.receipt.promisedDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const receipts = k.kiosk.printedReceipts();
    expect(receipts).toHaveLength(1);
    const r = receipts[0];
    expect(r?.text).toContain('受理回执');
    expect(r?.text).toContain(number);
    expect(r?.text).toContain('居住证签注');
    expect(r?.text).toContain('SAMPLE-GA-0002');
    expect(r?.text).toContain('640104********0011'.slice(0, 6));
    expect(r?.text).toMatch(/640104\*{8}\w{4}/);
    expect(r?.text).not.toContain(ZHANG?.idNumber);
    expect(r?.text).toContain('电子证照');
    expect(r?.text).toContain('告知承诺');
    expect(r?.text).toContain('12345');
    expect(r?.items.filter((i) => i.type === 'qr')).toEqual([expect.objectContaining({ data: number })]);

    await k.ok('matter.next', {});
    const bye = await rate(k);
    expect(bye.outcome).toEqual({ name: expect.objectContaining({ 'zh-CN': '居住证签注' }), acceptanceNumber: number, rated: true });

    await k.waitFor(() => k.kiosk.core.queueStats()?.acked === 2, 'the case and the rating delivered');
    const cases = caseRequests(k.proxy).filter((c) => c.status === 201);
    expect(cases).toHaveLength(1);
    expect(k.platform.cases()).toEqual([expect.objectContaining({ requestCount: 1 })]);
    const body = cases[0]?.body;
    expect(body?.kind).toBe('matter');
    expect(body?.matterCode).toBe('SAMPLE-GA-0002');
    expect(body?.applicantToken).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(body)).not.toContain(ZHANG?.idNumber);
    expect(body?.form).toMatchObject({
      values: { applicantName: ZHANG?.name, phone: '13912345678', residence: '金凤区北京中路九号' },
      commitment: { decision: 'committed', version: expect.stringMatching(/^[0-9a-f]{64}$/), at: expect.any(String) },
      materials: [
        { key: 'residencePermit', by: 'e-certificate', certificateId: 'SIM-residence-permit-resident-zhang' },
        { key: 'residenceProof', by: 'commitment' },
      ],
    });
    const ratings = ratingRequests(k.proxy);
    expect(ratings).toHaveLength(1);
    expect(ratings[0]?.path).toBe(`/v1/cases/${printed.receipt.caseNumber}/rating`);
    expect(ratings[0]?.body).toEqual({ score: 5, contentVersion: 'sample-2025.1' });
    expect(k.platform.stats().ratings).toBe(1);

    // Every view pushed to the screen is a valid contract view, in order, without the full ID number.
    const views = pushed.filter((m): m is Extract<ServerMessage, { type: 'event' }> => m.type === 'event' && m.name === 'session.view').map((m) => SessionView.parse(m.payload));
    expect(views.map((v) => v.seq)).toEqual([...views.map((v) => v.seq)].sort((a, b) => a - b));
    expect(new Set(views.flatMap((v) => (v.matter ? [v.matter.step.kind] : [])))).toEqual(new Set(['notice', 'form', 'commitment', 'materials', 'submit', 'print', 'review']));
    for (const v of views) expect(JSON.stringify(v)).not.toContain(ZHANG?.idNumber);
  });

  it('offline, then delivered: the receipt says offline; when the platform returns the case and then the rating arrive once each, the rating under the case number', async () => {
    const k = await kiosk({ outage: true });
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'offline', 'the platform seen offline');
    const list = await identify(k);
    const all = list.matters?.categories.flatMap((c) => c.matters) ?? [];
    // Online-only matters are not offered while the platform is unreachable; the reason is in words.
    expect(all.find((m) => m.code === 'SAMPLE-SB-0001')?.unavailable).toMatchObject({ reason: 'platform-unreachable', message: { 'zh-CN': expect.stringContaining('无法连接') } });
    const refused = await k.call('matter.choose', { code: 'SAMPLE-SB-0001' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not-allowed' } });

    await k.ok('matter.choose', { code: 'SAMPLE-GA-0001' });
    await k.ok('matter.next', {});
    await fillForm(k);
    const submit = (await k.waitView(stepIs('submit', 'confirm'), 'the submit step')).matter?.step as StepViewOf<'submit'>;
    expect(submit.willQueue).toBe(true);
    await k.ok('matter.submit', {});
    const printed = (await k.waitView(stepIs('print', 'printed'), 'the receipt printed')).matter?.step as StepViewOf<'print'>;
    expect(printed.receipt).toMatchObject({ offline: true, caseNumber: null });
    expect(k.kiosk.printedReceipts()[0]?.text).toContain('离线受理，联网后自动提交');
    await k.ok('matter.next', {});
    await rate(k, 'dissatisfied');
    const waiting = k.kiosk.core.queueStats();
    expect((waiting?.pending ?? 0) + (waiting?.inFlight ?? 0)).toBe(2);
    expect(waiting?.acked).toBe(0);
    expect(caseRequests(k.proxy).filter((c) => c.status === 201)).toHaveLength(0);

    k.platform.setOutage(false);
    await k.waitFor(() => k.kiosk.core.queueStats()?.acked === 2, 'both delivered', 30_000);
    const cases = caseRequests(k.proxy).filter((c) => c.status === 201);
    expect(cases).toHaveLength(1);
    const ratings = ratingRequests(k.proxy).filter((r) => r.status === 201);
    expect(ratings).toHaveLength(1);
    // The rating went after the case, under the platform's case number.
    const outbox = k.kiosk.core.queue.cache?.outbox;
    const caseEntry = outbox?.list('acked').find((e) => e.kind === 'case-submission');
    const ratingEntry = outbox?.findByKey(ratingKey(caseEntry?.idempotencyKey ?? ''));
    expect(ratingEntry?.state).toBe('acked');
    expect(ratings[0]?.path).toBe(`/v1/cases/${caseEntry?.platformCaseNumber}/rating`);
    const order = k.proxy.requests.filter((r) => r.status === 201 && r.method === 'POST').map((r) => (r.path === '/v1/cases' ? 'case' : 'rating'));
    expect(order).toEqual(['case', 'rating']);
    expect(ratings[0]?.body).toEqual({ score: 2, reasons: ['too-slow', 'interface-unfriendly'], comment: '等了很久', contentVersion: 'sample-2025.1' });
    const client = new PlatformClient({ baseUrl: k.platform.url, terminalId: 'NX-DEV-0001', key: DEV_TERMINAL_KEY, timeoutMs: 2000 });
    expect(await client.caseStatus(caseEntry?.platformCaseNumber ?? '', AbortSignal.timeout(5000))).toMatchObject({ kind: 'ok', value: { rated: true } });
    client.close();
  });

  it('a bundle: the shared field is asked once, one submission lists its members, one receipt', async () => {
    const k = await kiosk();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    await identify(k);
    await k.ok('matter.choose', { code: 'SAMPLE-YJS-0001' });
    await k.ok('matter.next', {});
    const form = (await k.waitView(stepIs('form'), 'the merged form')).matter?.step as StepViewOf<'form'>;
    expect(form.fields.filter((f) => f.key === 'childName')).toHaveLength(1);
    expect(form.fields.find((f) => f.key === 'childName')?.members).toHaveLength(3);
    await fillForm(k);
    const materials = (await k.waitView(stepIs('materials', 'ready'), 'the materials')).matter?.step as StepViewOf<'materials'>;
    for (const m of materials.items) await k.ok('matter.useCertificate', { material: m.key });
    await k.ok('matter.next', {});
    await k.ok('matter.submit', {});
    await k.waitView(stepIs('print', 'printed'), 'the receipt');
    await k.ok('matter.next', {});
    await rate(k);
    await k.waitFor(() => k.kiosk.core.queueStats()?.acked === 2, 'delivered');
    const cases = caseRequests(k.proxy).filter((c) => c.status === 201);
    expect(cases).toHaveLength(1);
    expect(cases[0]?.body).toMatchObject({ kind: 'bundle', matterCode: 'SAMPLE-YJS-0001', form: { members: ['SAMPLE-GA-0004', 'SAMPLE-YB-0002', 'SAMPLE-SB-0005'] } });
    expect(Object.keys((cases[0]?.body.form as { values: object }).values).filter((x) => x === 'childName')).toHaveLength(1);
    const receipts = k.kiosk.printedReceipts();
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.text).toContain('包含事项');
    expect(receipts[0]?.text).toContain('新生儿城乡居民医保参保登记');
  });

  it('a fee matter: a declined sale, then an approved one under a new key; the submission carries the payment', async () => {
    const k = await kiosk();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    await identify(k);
    await k.ok('matter.choose', { code: 'SAMPLE-SB-0003' });
    await k.ok('matter.next', {});
    await fillForm(k);
    const fee = (await k.waitView(stepIs('fee', 'ready'), 'the fee')).matter?.step as StepViewOf<'fee'>;
    expect(fee).toMatchObject({ amountFen: 2000 });
    // No way to submit before paying.
    expect(await k.call('matter.submit', {})).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    k.kiosk.sim?.setPaymentFault('decline');
    await k.ok('matter.pay', {});
    const declined = (await k.waitView(stepIs('fee', 'declined'), 'the decline')).matter?.step as StepViewOf<'fee'>;
    expect(declined.message?.['zh-CN']).toContain('余额不足');
    k.kiosk.sim?.setPaymentFault(null);
    await k.ok('matter.pay', {});
    await k.waitView(stepIs('submit', 'confirm'), 'the submit step after the payment');
    await k.ok('matter.submit', {});
    await k.waitView(stepIs('print', 'printed'), 'the receipt');
    const sales = k.kiosk.payment.sales();
    expect(sales.map((s) => [s.key.replace(/^.*:fee:/, 'fee:'), s.outcome, s.reversed])).toEqual([
      ['fee:0', 'declined', false],
      ['fee:1', 'approved', false],
    ]);
    await k.ok('matter.next', {});
    await rate(k);
    await k.waitFor(() => caseRequests(k.proxy).some((c) => c.status === 201), 'the case delivered');
    expect(caseRequests(k.proxy)[0]?.body.form).toMatchObject({ payment: { transactionId: expect.stringMatching(/^SIM-/), amountFen: 2000 } });
  });

  it('a paid matter cancelled before its submission has its payment reversed', async () => {
    const k = await kiosk();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    await identify(k);
    await k.ok('matter.choose', { code: 'SAMPLE-SB-0003' });
    await k.ok('matter.next', {});
    await fillForm(k);
    await k.waitView(stepIs('fee', 'ready'), 'the fee');
    await k.ok('matter.pay', {});
    await k.waitView(stepIs('submit', 'confirm'), 'paid');
    await k.ok('matter.cancel', {});
    await k.waitView((v) => v.matter?.confirmCancel === true, 'the cancel question');
    await k.ok('matter.cancelConfirm', {});
    await k.waitView((v) => v.screen === 'welcome', 'back to the list');
    await k.waitFor(() => k.kiosk.payment.sales()[0]?.reversed === true, 'the sale reversed');
    expect(k.kiosk.core.queueStats()?.pending).toBe(0);
  });

  it('a scan: the pages become sealed attachments of the submission, uploaded by hash', async () => {
    const k = await kiosk();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    await identify(k);
    await k.ok('matter.choose', { code: 'SAMPLE-MZ-0001' });
    await k.ok('matter.next', {});
    await fillForm(k);
    await k.waitView(stepIs('materials', 'ready'), 'the materials');
    await k.ok('matter.scan', { material: 'photo' });
    const done = (await k.waitView((v) => step(v, 'materials')?.items[0]?.provided?.by === 'scan', 'the page scanned')).matter?.step as StepViewOf<'materials'>;
    expect(done.items[0]?.provided).toEqual({ by: 'scan', pages: 1 });
    await k.ok('matter.next', {});
    // The platform goes away, so the queued page can be looked at on disk before it is delivered and purged.
    k.platform.setOutage(true);
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'offline', 'the platform seen offline');
    await k.ok('matter.submit', {});
    await k.waitView(stepIs('print', 'printed'), 'the receipt');
    // Sealed at rest: the attachment file on disk is not the PNG.
    const files = readdirSync(join(k.dir, 'data'), { recursive: true, withFileTypes: true }).filter((f) => f.isFile() && /^[0-9a-f]{64}/.test(f.name));
    expect(files).toHaveLength(1);
    for (const f of files) expect(readFileSync(join(f.parentPath, f.name)).includes(Buffer.from('IHDR'))).toBe(false);
    await k.ok('matter.next', {});
    await rate(k);
    k.platform.setOutage(false);
    await k.waitFor(() => caseRequests(k.proxy).some((c) => c.status === 201), 'the case delivered');
    const body = caseRequests(k.proxy).find((c) => c.status === 201)?.body;
    expect(body?.attachments).toHaveLength(1);
    const put = k.proxy.requests.find((r) => r.method === 'PUT' && r.path === `/v1/attachments/${body?.attachments[0]}`);
    expect(put?.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(body?.form).toMatchObject({ materials: [{ key: 'photo', by: 'scan', pages: 1, attachments: [0] }] });
  });

  it('printer out of paper at the print step: the matter is submitted and the number is shown on screen with the reason', async () => {
    const k = await kiosk();
    await k.waitFor(() => k.kiosk.core.queue.link?.state === 'online', 'the platform online');
    await identify(k);
    await k.ok('matter.choose', { code: 'SAMPLE-GA-0001' });
    await k.ok('matter.next', {});
    await fillForm(k);
    await k.waitView(stepIs('submit', 'confirm'), 'the submit step');
    k.kiosk.sim?.setPrinterFault('paperOut', true);
    await k.ok('matter.submit', {});
    const failed = (await k.waitView(stepIs('print', 'failed'), 'the print failed')).matter?.step as StepViewOf<'print'>;
    expect(failed.receipt.acceptanceNumber).toMatch(/^NX-DEV-0001-/);
    expect(failed.receipt.qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(failed.message?.['zh-CN']).toContain('缺纸');
    expect(failed.canReprint).toBe(true);
    expect(k.kiosk.printedReceipts()).toHaveLength(0);
    const q = k.kiosk.core.queueStats();
    expect((q?.pending ?? 0) + (q?.inFlight ?? 0) + (q?.acked ?? 0)).toBe(1);
    await k.waitFor(() => caseRequests(k.proxy).some((c) => c.status === 201), 'the case delivered even though nothing printed');
    await k.ok('matter.next', {});
    await rate(k);
    // Back at the list, the printing matters say why they cannot run; a matter without printing still can.
    await k.ok('session.dismiss', {});
    k.kiosk.sim?.removeCard();
    await k.waitView((v) => !v.cardOnReader, 'the card taken');
    const again = await identify(k);
    const all = again.matters?.categories.flatMap((c) => c.matters) ?? [];
    expect(all.find((m) => m.code === 'SAMPLE-GA-0001')?.unavailable).toMatchObject({ reason: 'device-offline', device: 'receipt-printer' });
    expect(all.find((m) => m.code === 'SAMPLE-GJJ-0002')?.unavailable).toBeNull();
  });
});

describe('idle wipe in the middle of the form', () => {
  it('leaves nothing of the citizen in the core or the database', async () => {
    const clock = new SimulatedClock();
    const k = await kiosk({ clock, profile: { idle: { timeoutSeconds: 60, warningSeconds: 10, goodbyeSeconds: 5 } } });
    await identify(k);
    await k.ok('matter.choose', { code: 'SAMPLE-GA-0002' });
    await k.ok('matter.next', {});
    await k.waitView(stepIs('form'), 'the form');
    await k.ok('matter.input', { key: 'phone', value: '13987654321' });
    await k.ok('matter.input', { key: 'residence', value: '兴庆区幸福巷七号' });
    expect(k.kiosk.core.matters.activeRuns).toBe(1);
    for (let t = 0; t < 70_000; t += 250) clock.increment(250);
    const v = await k.waitView((x) => x.screen === 'attract', 'the attract screen');
    expect(v.citizen).toBeNull();
    expect(v.matter).toBeNull();
    const text = JSON.stringify(v);
    for (const s of [ZHANG?.name, ZHANG?.idNumber, ZHANG?.address, '13987654321', '兴庆区幸福巷七号']) expect(text).not.toContain(s);
    expect(k.kiosk.core.session.currentRecord).toBeNull();
    expect(k.kiosk.core.session.matterRef()).toBeNull();
    expect(k.kiosk.core.matters.activeRuns).toBe(0);
    expect(k.kiosk.core.queueStats()).toMatchObject({ pending: 0, inFlight: 0, acked: 0, dead: 0 });
    // Nothing of it reached the database or its WAL.
    const dataDir = join(k.dir, 'data');
    for (const f of readdirSync(dataDir).filter((n) => n.startsWith('kiosk.db'))) {
      const bytes = readFileSync(join(dataDir, f));
      for (const s of ['13987654321', '兴庆区幸福巷七号', ZHANG?.name ?? 'x']) expect(bytes.includes(Buffer.from(s, 'utf8'))).toBe(false);
    }
  });
});
