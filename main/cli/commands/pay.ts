/**
 * Payment-pad commands for technicians: ask a pad about a transaction, run a sale, reverse one, and run
 * a pad simulator on a serial link.
 *
 * A sale or a reversal on a real pad moves real money: both refuse unless the pad identifies itself as
 * a simulator (POIID "SIM-…") or `--confirm-real-payment` is given. A sale whose outcome is unknown is
 * never sent again: the command asks the pad at once and, failing that, says how to ask later.
 */
import { DeviceError } from '../../../drivers/device.js';
import { NexoPaymentPad, newServiceId } from '../../../drivers/payment-pad/pad.js';
import { MAX_AMOUNT_FEN } from '../../../drivers/payment-pad/protocol/messages.js';
import { PadSimulator, type PadFaults } from '../../../drivers/payment-pad/simulator.js';
import type { PaymentOutcome, ReversalOutcome, StatusOutcome } from '../../../drivers/payment-pad/types.js';
import { SerialOpener } from '../../../drivers/transport/serial.js';
import { UsageError, intOption, type Command, type CommandContext, type CommandResult } from '../framework.js';
import { baudOption, controlLines, eventOut, faultOption, portOption, serveSimulator } from './common.js';

const CONFIRM = 'confirm-real-payment';

const padOptions = {
  port: { type: 'string' },
  baud: { type: 'string' },
  timeout: { type: 'string' },
  'payment-timeout': { type: 'string' },
  'sale-id': { type: 'string' },
} as const;

/** "12.5", "12.50", "0.01" → fen; anything else is a usage error. */
export function parseYuan(raw: unknown): number {
  if (typeof raw !== 'string' || !/^\d{1,7}(\.\d{1,2})?$/.test(raw)) throw new UsageError(`--amount must be yuan with at most two decimals, e.g. 12.50, got "${String(raw)}"`);
  const [whole, frac = ''] = raw.split('.');
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (fen < 1 || fen > MAX_AMOUNT_FEN) throw new UsageError(`--amount must be from 0.01 to ${MAX_AMOUNT_FEN / 100} yuan`);
  return fen;
}

const yuan = (fen: number): string => `¥${(fen / 100).toFixed(2)}`;

/** A started pad on --port, once its link is up (or a typed error saying why not). */
async function connectPad(values: Record<string, unknown>, ctx: CommandContext): Promise<NexoPaymentPad> {
  const path = portOption(values);
  const baud = baudOption(values, 9600);
  const timeoutMs = intOption(values, 'timeout', 15_000, 100, 600_000);
  const saleId = typeof values['sale-id'] === 'string' && values['sale-id'] !== '' ? values['sale-id'] : 'kioskctl';
  const pad = new NexoPaymentPad('payment-pad', new SerialOpener({ path, baudRate: baud }), {
    saleId,
    paymentTimeoutMs: intOption(values, 'payment-timeout', 120_000, 100, 600_000),
    serviceTimeoutMs: timeoutMs,
    keeper: { baseMs: 100, capMs: 500 },
  });
  pad.start();
  const deadline = Date.now() + Math.min(timeoutMs, 10_000);
  while (pad.status().state !== 'online') {
    if (ctx.signal.aborted) {
      await pad.close();
      throw new DeviceError('payment', 'canceled', 'interrupted while connecting to the payment pad', 'retry');
    }
    if (Date.now() > deadline) {
      const why = pad.status().lastError?.message;
      await pad.close();
      throw new DeviceError('payment', 'disconnected', `payment pad at ${path} did not come up${why ? `: ${why}` : ''}`, 'reset');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return pad;
}

async function withPad<T>(values: Record<string, unknown>, ctx: CommandContext, fn: (pad: NexoPaymentPad) => Promise<T>): Promise<T> {
  const pad = await connectPad(values, ctx);
  try {
    return await fn(pad);
  } finally {
    await pad.close();
  }
}

/** Moves money only on a simulator, or with the confirmation flag. Asks the pad who it is first (a harmless status inquiry). */
async function requireConfirmation(pad: NexoPaymentPad, values: Record<string, unknown>, ctx: CommandContext, what: string): Promise<void> {
  await pad.lastTransactionStatus(ctx.signal);
  const poi = pad.poiId ?? '?';
  if (poi.startsWith('SIM-') || values[CONFIRM] === true) return;
  throw new UsageError(`refusing to ${what} on the real payment pad ${poi}: it moves real money; add --${CONFIRM} if that is what you want`);
}

function statusLines(s: StatusOutcome): string[] {
  if (s.status === 'in-progress') return ['状态 Status: 处理中 in progress (ask again shortly)'];
  if (s.status === 'not-found') return ['状态 Status: 无此交易 not found (the pad never received it: nothing was charged)'];
  if ('payment' in s) {
    const p = s.payment;
    return p.outcome === 'approved'
      ? [`状态 Status: 已支付 approved ${yuan(p.authorizedFen)}`, `交易参考号 Pad reference: ${p.poiTransaction.transactionId} (${p.poiTransaction.timeStamp})`]
      : [`状态 Status: 未支付 declined (${p.reason}${p.errorCondition ? `, ${p.errorCondition}` : ''})`];
  }
  return s.reversal.outcome === 'reversed' ? ['状态 Status: 已冲正 reversed'] : [`状态 Status: 冲正被拒 reversal refused (${s.reversal.errorCondition ?? 'refused'})`];
}

const payStatus: Command = {
  path: ['pay', 'status'],
  summary: "Asks the payment pad about a transaction by its ServiceID (or about its last transaction). Moves no money.",
  usage: '--port PATH [--service-id ID] [--reversal] [--baud 9600] [--timeout 15000] [--json]',
  options: { ...padOptions, 'service-id': { type: 'string' }, reversal: { type: 'boolean' } },
  run: (values, ctx) =>
    withPad(values, ctx, async (pad) => {
      const sid = values['service-id'];
      const s = typeof sid === 'string' && sid !== '' ? await pad.transactionStatus({ category: values.reversal === true ? 'Reversal' : 'Payment', serviceId: sid }, ctx.signal) : await pad.lastTransactionStatus(ctx.signal);
      return { data: { poiId: pad.poiId ?? null, ...s }, human: [`支付终端 Pad: ${pad.poiId ?? '?'}`, ...statusLines(s)] };
    }),
};

function outcomeResult(o: PaymentOutcome, serviceId: string, amountFen: number, later?: StatusOutcome): CommandResult {
  const data = { serviceId, amountFen, ...o, ...(later ? { inquiry: later } : {}) };
  if (o.outcome === 'approved') return { data, human: [`已支付 Approved ${yuan(o.authorizedFen)}`, `交易参考号 Pad reference: ${o.poiTransaction.transactionId}`, `ServiceID: ${serviceId}`] };
  if (o.outcome === 'declined') return { data, human: [`未支付 Declined: ${o.reason}${o.errorCondition ? ` (${o.errorCondition})` : ''}`], failure: `the payment was declined (${o.reason}); nothing was charged` };
  if (later?.status === 'found' && 'payment' in later) {
    const p = later.payment;
    if (p.outcome === 'approved') return { data, human: [`已支付 Approved ${yuan(p.authorizedFen)} (confirmed by a status inquiry)`, `交易参考号 Pad reference: ${p.poiTransaction.transactionId}`, `ServiceID: ${serviceId}`] };
    return { data, human: [`未支付 Declined (confirmed by a status inquiry): ${p.reason}`], failure: `the payment was declined (${p.reason}); nothing was charged` };
  }
  if (later?.status === 'not-found') return { data, human: ['未支付 Not charged: the pad never received the request (status inquiry)'], failure: 'the pad never received the payment; nothing was charged' };
  return {
    data,
    human: [`结果未知 Outcome unknown: ${o.message}`, `Do not charge again. Ask: kioskctl pay status --port … --service-id ${serviceId}`],
    failure: `the outcome is unknown (${o.reason}); do not charge again — ask with kioskctl pay status --service-id ${serviceId}`,
  };
}

const paySale: Command = {
  path: ['pay', 'sale'],
  summary: `Runs one sale on the payment pad. On a real pad (not "SIM-…") it refuses without --${CONFIRM}. An unknown outcome is resolved by a status inquiry, never by charging again.`,
  usage: `--port PATH --amount YUAN [--reference TEXT] [--${CONFIRM}] [--baud 9600] [--timeout 15000] [--payment-timeout 120000] [--json]`,
  options: { ...padOptions, amount: { type: 'string' }, reference: { type: 'string' }, [CONFIRM]: { type: 'boolean' } },
  async run(values, ctx) {
    const amountFen = parseYuan(values.amount);
    const ref = typeof values.reference === 'string' && values.reference !== '' ? values.reference : `kioskctl-${Date.now()}`;
    if (ref.length > 64) throw new UsageError('--reference is longer than 64 characters');
    return withPad(values, ctx, async (pad) => {
      await requireConfirmation(pad, values, ctx, `charge ${yuan(amountFen)}`);
      const serviceId = newServiceId();
      const o = await pad.pay({ amountFen, saleTransactionId: ref, serviceId }, ctx.signal);
      let later: StatusOutcome | undefined;
      if (o.outcome === 'unknown') later = await pad.transactionStatus({ category: 'Payment', serviceId }).catch(() => undefined);
      return outcomeResult(o, serviceId, amountFen, later);
    });
  },
};

function reversalResult(r: ReversalOutcome, serviceId: string, reference: string): CommandResult {
  const data = { serviceId, reference, ...r };
  if (r.outcome === 'reversed') return { data, human: [`已冲正 Reversed${r.reversedFen !== undefined ? ` ${yuan(r.reversedFen)}` : ''}: ${reference}`] };
  if (r.outcome === 'refused') return { data, human: [`冲正被拒 Refused: ${r.errorCondition ?? 'refused'}`], failure: `the pad refused the reversal (${r.errorCondition ?? 'refused'})` };
  return { data, human: [`结果未知 Outcome unknown: ${r.message}`], failure: `the reversal's outcome is unknown; ask: kioskctl pay status --reversal --service-id ${serviceId}` };
}

const payReverse: Command = {
  path: ['pay', 'reverse'],
  summary: `Reverses (冲正) an approved payment, found by the payment's ServiceID (or by --reference and --time). On a real pad it refuses without --${CONFIRM}.`,
  usage: `--port PATH (--service-id ID | --reference POI-TX-ID --time TIMESTAMP) [--${CONFIRM}] [--baud 9600] [--json]`,
  options: { ...padOptions, 'service-id': { type: 'string' }, reference: { type: 'string' }, time: { type: 'string' }, [CONFIRM]: { type: 'boolean' } },
  async run(values, ctx) {
    const sid = typeof values['service-id'] === 'string' && values['service-id'] !== '' ? values['service-id'] : undefined;
    const ref = typeof values.reference === 'string' && values.reference !== '' ? values.reference : undefined;
    if (!sid && !(ref && typeof values.time === 'string')) throw new UsageError('give --service-id of the payment, or --reference and --time of the pad transaction');
    return withPad(values, ctx, async (pad) => {
      await requireConfirmation(pad, values, ctx, 'reverse a payment');
      let original = ref && typeof values.time === 'string' ? { transactionId: ref, timeStamp: values.time } : undefined;
      if (!original && sid) {
        const s = await pad.transactionStatus({ category: 'Payment', serviceId: sid }, ctx.signal);
        if (s.status !== 'found' || !('payment' in s) || s.payment.outcome !== 'approved') throw new DeviceError('payment', 'invalid-data', `payment ${sid} is not an approved payment on this pad (${s.status === 'found' && 'payment' in s ? s.payment.outcome : s.status}): nothing to reverse`, 'retry', 'nothing-to-reverse');
        original = s.payment.poiTransaction;
      }
      if (!original) throw new UsageError('nothing to reverse');
      const serviceId = newServiceId();
      return reversalResult(await pad.reverse({ original, serviceId }, ctx.signal), serviceId, original.transactionId);
    });
  },
};

const PAD_FAULTS: Record<string, Partial<PadFaults>> = {
  none: {},
  decline: { decline: true },
  'card-removed': { cardRemoved: true },
  'timeout-after-debit': { timeoutAfterDebit: true },
  'lost-reply': { lostReply: true },
  'nak-storm': { nakStorm: true },
  garbage: { garbage: true },
  'unplug-after-debit': { unplugMidTransaction: 'after-debit' },
  silence: { silence: true },
  busy: { busy: true },
};

const simPay: Command = {
  path: ['sim', 'pay'],
  summary: 'Runs a payment pad simulator (POIID SIM-PAD-01, with a bank ledger) on --port until Ctrl-C. stdin lines: "fault NAME", "ledger".',
  usage: `--port PATH [--fault ${Object.keys(PAD_FAULTS).join('|')}] [--processing-ms 0] [--baud 9600] [--json]`,
  options: { port: { type: 'string' }, baud: { type: 'string' }, fault: { type: 'string' }, 'processing-ms': { type: 'string' } },
  async run(values, ctx) {
    const path = portOption(values);
    const baud = baudOption(values, 9600);
    const sim = new PadSimulator(undefined, { processingMs: intOption(values, 'processing-ms', 0, 0, 600_000) });
    sim.setFaults(faultOption(values, PAD_FAULTS));
    const emit = eventOut(ctx);
    const ledger = (): { charged: number; reversed: number } => {
      const l = sim.ledger();
      return { charged: l.filter((e) => e.state === 'approved').length, reversed: l.filter((e) => e.state === 'reversed').length };
    };
    const stopControl = controlLines(ctx, async (words) => {
      const [cmd, arg] = words;
      if (cmd === 'fault' && arg) {
        const f = faultOption({ fault: arg }, PAD_FAULTS);
        sim.clearFaults();
        sim.setFaults(f);
      } else if (cmd !== 'ledger') throw new UsageError(`unknown control line "${words.join(' ')}" (fault NAME, ledger)`);
      emit('control', { command: cmd, ...(arg !== undefined ? { arg } : {}), ...ledger() }, `control: ${words.join(' ')} (ledger: ${JSON.stringify(ledger())})`);
    });
    await serveSimulator(ctx, { path, baud, sim, stopControl, ready: () => emit('ready', { path, baud, poiId: sim.poiId }, `payment pad simulator ${sim.poiId} ready on ${path} (${baud} baud); Ctrl-C stops it`) });
    return { data: { stopped: true, ...ledger(), requests: sim.counters.requests }, human: [`simulator stopped: ${JSON.stringify(ledger())}`] };
  },
};

/** Payment-pad commands: pay status|sale|reverse, sim pay. */
export const commands: Command[] = [payStatus, paySale, payReverse, simPay];
