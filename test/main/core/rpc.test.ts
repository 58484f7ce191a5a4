import { fc, test as ftest } from '@fast-check/vitest';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KioskError, ReplyEnvelope, caseRequests, matterRequests, type CaseRequestName, type MatterRequestName, type SessionView } from '../../../main/contract/index.js';
import { dispatch, type Handlers } from '../../../main/core/rpc.js';

const silent = pino({ level: 'silent' });

const view: SessionView = {
  seq: 1,
  screen: 'attract',
  locale: 'zh-CN',
  display: { largeText: false, highContrast: false },
  voice: { on: true, volume: 70 },
  citizen: null,
  idleWarning: null,
  cardOnReader: false,
  terminal: { id: 'T1', siteName: 'x', siteType: 'service-hall' },
  outOfServiceReason: null,
  matters: null,
  matter: null,
  outcome: null,
};

const calls: string[] = [];
const handlers: Handlers = {
  'session.get': () => view,
  'session.activity': () => (calls.push('activity'), null),
  'session.finish': () => {
    throw new KioskError('not-allowed', 'no session to finish');
  },
  'session.dismiss': () => {
    throw new Error('boom with 11010519491231002X');
  },
  'ui.setLocale': ({ locale }) => (calls.push(`locale:${locale}`), null),
  'ui.setDisplay': () => null,
  'ui.setVoice': ({ on, volume }) => (calls.push(`voice:${on}:${volume}`), null),
  'ui.focusField': ({ key }) => (calls.push(`focus:${key}`), null),
  'devices.list': () => [],
  'system.get': () => ({ platform: 'unknown', queueDepth: 0, host: 'web' }),
  ...(Object.fromEntries(Object.keys(matterRequests).map((n) => [n, () => (calls.push(n), null)])) as unknown as Pick<Handlers, MatterRequestName>),
  ...(Object.fromEntries(Object.keys(caseRequests).map((n) => [n, () => (calls.push(n), null)])) as unknown as Pick<Handlers, CaseRequestName>),
};

describe('contract dispatch', () => {
  it('answers a valid request with {ok:true, value}', async () => {
    const r = await dispatch(JSON.stringify({ type: 'request', id: 7, method: 'session.get', params: {} }), handlers, silent);
    expect(r).toEqual({ type: 'reply', id: 7, reply: { ok: true, value: view } });
  });

  it('validates params before the handler runs', async () => {
    calls.length = 0;
    const r = await dispatch({ type: 'request', id: 1, method: 'ui.setLocale', params: { locale: 'fr' } }, handlers, silent);
    expect(r.reply).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
    expect(calls).toEqual([]);
    const extra = await dispatch({ type: 'request', id: 2, method: 'session.activity', params: { sneaky: 1 } }, handlers, silent);
    expect(extra.reply).toMatchObject({ ok: false, error: { code: 'invalid-params' } });
  });

  it('answers malformed messages with typed errors, keeping the id when there is one', async () => {
    expect((await dispatch('{not json', handlers, silent)).reply).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    expect(await dispatch({ type: 'request', id: 3 }, handlers, silent)).toMatchObject({ id: 3, reply: { ok: false, error: { code: 'invalid-message' } } });
    expect((await dispatch({ type: 'request', id: 4, method: 'rm.rf', params: {} }, handlers, silent)).reply).toMatchObject({
      ok: false,
      error: { code: 'unknown-method' },
    });
    expect((await dispatch('x'.repeat(300_000), handlers, silent)).reply).toMatchObject({ ok: false, error: { code: 'invalid-message' } });
    expect((await dispatch({ type: 'request', id: 5, method: '__proto__', params: {} }, handlers, silent)).reply).toMatchObject({
      ok: false,
      error: { code: 'unknown-method' },
    });
  });

  it('turns a KioskError into its code and any other failure into an internal error without details', async () => {
    expect((await dispatch({ type: 'request', id: 8, method: 'session.finish', params: {} }, handlers, silent)).reply).toEqual({
      ok: false,
      error: { code: 'not-allowed', message: 'no session to finish' },
    });
    const r = await dispatch({ type: 'request', id: 9, method: 'session.dismiss', params: {} }, handlers, silent);
    expect(r.reply).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(r)).not.toContain('11010519491231002X');
  });

  ftest.prop([fc.anything()], { numRuns: 300 })('anything at all gets a valid reply envelope, never a throw', async (input) => {
    const r = await dispatch(input, handlers, silent);
    expect(ReplyEnvelope.safeParse(r).success).toBe(true);
  });

  ftest.prop([fc.string()], { numRuns: 300 })('any string gets a valid reply envelope', async (input) => {
    const r = await dispatch(input, handlers, silent);
    expect(ReplyEnvelope.safeParse(r).success).toBe(true);
  });
});
