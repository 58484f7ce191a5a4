/**
 * Fakes of the six named actors, controllable from tests: each call is recorded; a promise actor
 * either answers by itself ('auto') or waits until the test settles it ('manual'); the callback
 * actors (scan, pay) hand the test their sendBack and report when they were stopped.
 */
import { fromCallback, fromPromise, type AnyEventObject } from 'xstate';
import { SAMPLE_CATALOG, loadCatalog, parseCatalog, type Application, type CatalogDocumentInput, type LoadedCatalog } from '../../../main/catalog/index.js';
import type { MatterView } from '../../../main/contract/index.js';
import { sampleInput } from '../../../main/sim/sample-input.js';
import type { MatterActors } from '../../../main/workflows/compile.js';
import type {
  Acceptance,
  LookupCertificatesInput,
  LookupCertificatesOutput,
  MatterEvent,
  PrintReceiptInput,
  ScanPagesInput,
  SubmitCaseInput,
  SubmitRatingInput,
  TakePaymentInput,
} from '../../../main/workflows/matter-types.js';

export interface Pending<I, O> {
  input: I;
  signal: AbortSignal;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export class Gate<I, O> {
  readonly calls: I[] = [];
  readonly pending: Pending<I, O>[] = [];
  mode: 'auto' | 'manual' = 'auto';
  constructor(public answer: (input: I) => O | Promise<O>) {}

  logic() {
    return fromPromise<O, I>(({ input, signal }) => {
      this.calls.push(input);
      if (this.mode === 'auto') return Promise.resolve(this.answer(input));
      return new Promise<O>((resolve, reject) => this.pending.push({ input, signal, resolve, reject }));
    });
  }

  /** The oldest call still waiting. */
  next(): Pending<I, O> {
    const p = this.pending.shift();
    if (!p) throw new Error('no pending call');
    return p;
  }
}

export interface Running<I> {
  input: I;
  send(e: AnyEventObject): void;
  stopped: boolean;
}

export class CallbackFake<I> {
  readonly runs: Running<I>[] = [];
  /** 'auto': answer at once with `auto(input)` events. */
  mode: 'auto' | 'manual' = 'auto';
  constructor(public auto: (input: I) => AnyEventObject[]) {}

  logic() {
    return fromCallback<AnyEventObject, I>(({ input, sendBack }) => {
      const run: Running<I> = { input, send: sendBack, stopped: false };
      this.runs.push(run);
      if (this.mode === 'auto') queueMicrotask(() => this.auto(input).forEach((e) => !run.stopped && sendBack(e)));
      return () => {
        run.stopped = true;
      };
    });
  }

  get last(): Running<I> {
    const r = this.runs.at(-1);
    if (!r) throw new Error('never started');
    return r;
  }
}

export const QR = 'data:image/svg+xml;base64,PHN2Zy8+';

export function acceptanceFor(input: SubmitCaseInput, n = 1): Acceptance {
  return { acceptanceNumber: `T-20250102-${String(n).padStart(6, '0')}`, caseNumber: null, offline: true, qr: QR, promisedDate: null, submittedAt: input.at };
}

export const CERT = { id: 'CERT-1', type: 'residence-permit', title: '宁夏回族自治区居住证', issuer: '银川市公安局', issuedOn: '2024-03-01', expiresOn: null };

export class Fakes {
  submits = 0;
  readonly submit = new Gate<SubmitCaseInput, Acceptance>((i) => acceptanceFor(i, ++this.submits));
  readonly print = new Gate<PrintReceiptInput, void>(() => undefined);
  readonly lookup = new Gate<LookupCertificatesInput, LookupCertificatesOutput>((i) => Object.fromEntries(i.types.map((t) => [t, [{ ...CERT, type: t, id: `CERT-${t}` }]])));
  readonly rate = new Gate<SubmitRatingInput, void>(() => undefined);
  readonly scan: CallbackFake<ScanPagesInput> = new CallbackFake<ScanPagesInput>((i): AnyEventObject[] => [
    { type: 'SCAN_PROGRESS', pagesDone: 0, pageProgress: 0.5 },
    { type: 'SCAN_DONE', pages: 1, ref: `scan-${i.material}-${this.scan.runs.length}` },
  ]);
  readonly pay = new CallbackFake<TakePaymentInput>((i) => [
    { type: 'PAY_PROMPT', message: { 'zh-CN': '请刷卡', en: 'Tap your card' } },
    { type: 'PAY_APPROVED', approval: { transactionId: 'TX-1', amountFen: i.amountFen, approvedAt: 1, key: i.idempotencyKey } },
  ]);

  actors(): MatterActors {
    return {
      submitCase: this.submit.logic(),
      printReceipt: this.print.logic(),
      lookupCertificates: this.lookup.logic(),
      scanPages: this.scan.logic(),
      takePayment: this.pay.logic(),
      submitRating: this.rate.logic(),
    };
  }
}

export const SAMPLE: LoadedCatalog = loadCatalog(SAMPLE_CATALOG, 'bundled');

export function app(code: string, catalog: LoadedCatalog = SAMPLE): Application {
  const a = catalog.applications.get(code);
  if (!a) throw new Error(`no application ${code}`);
  return a;
}

/** A test catalog with one matter that has every step kind (fee, commitment, materials of every way). */
export function everyStepCatalog(): LoadedCatalog {
  const doc: CatalogDocumentInput = {
    ...structuredClone(SAMPLE_CATALOG),
    bundles: [],
    matters: [
      {
        codes: { basic: null, implementation: 'TEST-ALL' },
        sample: true,
        name: { 'zh-CN': '全步骤测试事项', en: 'Every step' },
        category: 'civil-affairs',
        type: '公共服务',
        legalBasis: { 'zh-CN': '测试', en: 'Test' },
        body: { 'zh-CN': '测试机构', en: 'Test body' },
        processing: { kind: 'promised', workingDays: 3 },
        fee: { kind: 'fixed', amountFen: 1500, item: { 'zh-CN': '工本费', en: 'Fee' } },
        offline: true,
        devices: ['payment', 'scanner', 'receipt-printer'],
        steps: ['notice', 'form', 'commitment', 'materials', 'fee', 'submit', 'print', 'review'],
        fields: [
          { key: 'applicantName', label: { 'zh-CN': '申请人姓名', en: 'Name' }, kind: 'text', prefill: 'card.name' },
          { key: 'phone', label: { 'zh-CN': '联系电话', en: 'Phone' }, kind: 'phone' },
        ],
        commitment: { text: { 'zh-CN': '本人承诺', en: 'I declare' }, required: false },
        materials: [
          { key: 'permit', name: { 'zh-CN': '居住证', en: 'Permit' }, accepts: { eCertificate: { type: 'residence-permit' }, scan: { maxPages: 2 } } },
          { key: 'photo', name: { 'zh-CN': '照片', en: 'Photo' }, accepts: { scan: { maxPages: 1 } } },
          { key: 'proof', name: { 'zh-CN': '证明', en: 'Proof' }, accepts: { scan: { maxPages: 2 }, commitment: true } },
        ],
        outputs: [{ 'zh-CN': '证', en: 'Card' }],
        contact: { consultation: '12345', complaint: '12345' },
      },
    ],
  };
  const r = parseCatalog(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.catalog;
}

/**
 * A valid value of a field for automatic driving: the simulated citizen's input (main/sim/sample-input.ts), except
 * digits, which these catalogs constrain (a pattern, a minimum length).
 */
export function validValue(f: Application['fields'][number]): string {
  if (f.kind !== 'digits') return sampleInput({ kind: f.kind, options: f.options ?? null });
  if (f.pattern) return '2024';
  return '6'.repeat(Math.max(f.minLength ?? 1, 12));
}

/** SimulatedClock fires timers due at the end of one increment; chained timers need steps. */
export function advance(clock: { increment(ms: number): void }, ms: number): void {
  let left = ms;
  while (left > 0) {
    const step = Math.min(250, left);
    clock.increment(step);
    left -= step;
  }
}

/** Lets queued microtasks and promise callbacks run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((r) => setImmediate(r));
}

/** One thing a citizen does on the current step (a valid answer, the first offer, a good rating). */
export function actOnce(v: MatterView, fields: Application['fields'], send: (e: MatterEvent) => void): void {
  const s = v.step;
  switch (s.kind) {
    case 'notice':
      return send({ type: 'NEXT' });
    case 'form':
      for (const f of s.fields) if (f.value === '') send({ type: 'INPUT', key: f.key, value: validValue(fields.find((x) => x.key === f.key) as Application['fields'][number]) });
      return send({ type: 'NEXT' });
    case 'commitment':
      return send({ type: 'COMMIT', at: 1000 });
    case 'materials': {
      if (s.phase !== 'ready') return;
      const todo = s.items.find((m) => m.provided === null);
      if (!todo) return send({ type: 'NEXT' });
      if (todo.offer) return send({ type: 'USE_CERTIFICATE', material: todo.key });
      if (todo.canUseCommitment) return send({ type: 'USE_COMMITMENT', material: todo.key });
      return send({ type: 'SCAN', material: todo.key });
    }
    case 'fee':
      if (s.phase === 'ready' || s.phase === 'declined' || s.phase === 'failed') send({ type: 'PAY' });
      else if (s.phase === 'approved') send({ type: 'NEXT' });
      return;
    case 'submit':
      if (s.phase === 'confirm' || s.phase === 'failed') send({ type: 'SUBMIT', at: 2000 });
      else if (s.phase === 'accepted') send({ type: 'NEXT' });
      return;
    case 'print':
      if (s.phase !== 'printing') send({ type: 'NEXT' });
      return;
    case 'review':
      if (s.phase === 'choosing') send({ type: 'RATE', level: 'very-satisfied', at: 3000 });
      return;
  }
}
