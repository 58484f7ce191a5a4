import type { z } from 'zod';
import {
  KioskError,
  MAX_MESSAGE_CHARS,
  RequestEnvelope,
  invoke,
  type InvokeName,
  type KioskErrorBody,
  type Params,
  type PushName,
  type PushPayload,
  type ReplyEnvelope,
  type Result,
  type ServerMessage,
} from '../contract/index.js';
import type { Logger } from 'pino';

export type Handler<N extends InvokeName> = (params: z.infer<(typeof invoke)[N]['params']>) => Promise<Result<N>> | Result<N>;
export type Handlers = { [N in InvokeName]: Handler<N> };

/** A connection to one renderer, whatever carries it (MessagePort, WebSocket). */
export interface Connection {
  send(message: ServerMessage): void;
}

/**
 * Validates and dispatches one incoming message. Never throws: whatever arrives —
 * not JSON, a wrong envelope, an unknown method, bad params, a failing handler —
 * the answer is a typed reply.
 */
export async function dispatch(raw: unknown, handlers: Handlers, log: Logger): Promise<ReplyEnvelope> {
  return dispatchTable(raw, invoke, handlers as unknown as TableHandlers<typeof invoke, undefined>, undefined, log);
}

/** A method table of the contract (name → params and result schemas). */
export type MethodTable = Record<string, { params: z.ZodType; result: z.ZodType }>;
export type TableHandlers<T extends MethodTable, C> = {
  [N in keyof T]: (params: z.infer<T[N]['params']>, ctx: C) => Promise<z.infer<T[N]['result']>> | z.infer<T[N]['result']>;
};

/** What happened to one dispatched call (for journals); `params` are the validated ones. */
export interface DispatchOutcome {
  method: string;
  params: unknown;
  ok: boolean;
  /** The error code when the call failed (KioskError code, or 'internal'). */
  code?: KioskErrorBody['code'];
  message?: string;
}

export interface DispatchHooks<C> {
  /** Runs after the method is known and before params are parsed: an error body refuses the call. */
  guard?(method: string, ctx: C): KioskErrorBody | null;
  /** After the handler ran (or failed), before the reply is sent. */
  done?(outcome: DispatchOutcome, ctx: C): void;
}

/** The dispatcher over any method table; handlers get the caller's context (e.g. who runs a technician action). */
export async function dispatchTable<T extends MethodTable, C>(
  raw: unknown,
  table: T,
  handlers: TableHandlers<T, C>,
  ctx: C,
  log: Logger,
  hooks: DispatchHooks<C> = {},
): Promise<ReplyEnvelope> {
  let data: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_MESSAGE_CHARS) return fail(null, 'invalid-message', `message too large (${raw.length} characters)`);
    try {
      data = JSON.parse(raw);
    } catch {
      return fail(null, 'invalid-message', 'message is not valid JSON');
    }
  }
  const env = RequestEnvelope.safeParse(data);
  if (!env.success) {
    const id = typeof (data as { id?: unknown } | null)?.id === 'number' ? ((data as { id: number }).id as number) : null;
    return fail(Number.isSafeInteger(id) && (id ?? -1) >= 0 ? id : null, 'invalid-message', `not a request envelope: ${summarise(env.error)}`);
  }
  const { id, method, params } = env.data;
  if (!Object.prototype.hasOwnProperty.call(table, method)) return fail(id, 'unknown-method', `unknown method "${method.slice(0, 100)}"`);
  const refused = hooks.guard?.(method, ctx) ?? null;
  if (refused) return fail(id, refused.code, refused.message);
  const spec = table[method] as T[keyof T];
  const parsed = spec.params.safeParse(params ?? {});
  if (!parsed.success) return fail(id, 'invalid-params', `${method}: ${summarise(parsed.error)}`);
  try {
    const handler = handlers[method] as (p: unknown, c: C) => unknown;
    const value = await handler(parsed.data, ctx);
    hooks.done?.({ method, params: parsed.data, ok: true }, ctx);
    return { type: 'reply', id, reply: { ok: true, value: value === undefined ? null : value } };
  } catch (e) {
    if (e instanceof KioskError) {
      hooks.done?.({ method, params: parsed.data, ok: false, code: e.code, message: e.message }, ctx);
      return fail(id, e.code, e.message);
    }
    const ref = Math.random().toString(36).slice(2, 10);
    log.error({ err: e, method, ref }, 'handler failed');
    hooks.done?.({ method, params: parsed.data, ok: false, code: 'internal', message: `internal error (ref ${ref})` }, ctx);
    return fail(id, 'internal', `internal error (ref ${ref})`);
  }
}

function fail(id: number | null, code: KioskErrorBody['code'], message: string): ReplyEnvelope {
  return { type: 'reply', id, reply: { ok: false, error: { code, message } } };
}

function summarise(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'invalid';
  const path = first.path.length ? first.path.join('.') + ': ' : '';
  return `${path}${first.message}`;
}

/** Typed helper for the core's push side. */
export function pushMessage<P extends PushName>(name: P, payload: PushPayload<P>): ServerMessage {
  return { type: 'event', name, payload };
}

export type { Params };
