import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_IDENTITIES } from '../../../../drivers/id-card/samples.js';
import { SystemStatus, type InvokeName, type Params, type SessionView } from '../../../../main/contract/index.js';
import { dispatch } from '../../../../main/core/rpc.js';
import { PHRASES } from '../../../../main/core/voice/phrases.js';
import { WavRecorder } from '../../../../main/core/voice/recorder.js';
import { isAudible } from '../../../../main/core/voice/wav.js';
import { startSimulatedKiosk, type SimulatedKiosk } from '../../../../main/sim/terminal.js';
import { tempDir } from '../../../integration/queue/helpers.js';
import { waitUntil } from '../matters-helpers.js';

/**
 * Voice guidance in the running core: a citizen's whole matter, spoken by espeak-ng into WAV files
 * (the test adapter passed as the core's engine), through the core's own requests.
 */

const ZHANG = SAMPLE_IDENTITIES['resident-zhang']!;
const running: { kiosk: SimulatedKiosk; dir: string }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.kiosk.close();
    rmSync(r.dir, { recursive: true, force: true });
  }
});

async function start() {
  const dir = tempDir('voice-core-');
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), logging: { level: 'warn' }, platform: { probeSeconds: 1 } }));
  const recorder = new WavRecorder({ dir: join(dir, 'wav') });
  const kiosk = await startSimulatedKiosk({ profilePath: file, host: 'web', deliveryIdleMs: 20, speech: recorder });
  running.push({ kiosk, dir });
  const core = kiosk.core;
  let id = 0;
  const ok = async <N extends InvokeName>(method: N, params: Params<N>): Promise<void> => {
    const r = await dispatch(JSON.stringify({ type: 'request', id: ++id, method, params }), core.handlers, core.log);
    if (!r.reply.ok) throw new Error(`${method}: ${r.reply.error.code} ${r.reply.error.message}`);
  };
  /** Waits for a view, then for voice guidance to have said everything about it. */
  const settle = async (cond: (v: SessionView) => boolean, what: string): Promise<SessionView> => {
    await waitUntil(() => cond(core.session.view()), what);
    await core.voice.idle();
    return core.session.view();
  };
  const call = async <N extends InvokeName>(method: N, params: unknown) => (await dispatch(JSON.stringify({ type: 'request', id: ++id, method, params }), core.handlers, core.log)).reply;
  return { kiosk, core, recorder, ok, call, settle };
}

const stepIs = (kind: string, phase?: string) => (v: SessionView) => v.matter?.step.kind === kind && (phase === undefined || (v.matter.step as { phase?: string }).phase === phase);

describe('voice guidance in the core', () => {
  it('a whole matter is spoken screen by screen, audibly, at the volume the citizen chose, never with their data; the next citizen starts afresh', async () => {
    const { kiosk, core, recorder, ok, call, settle } = await start();
    await settle((v) => v.screen === 'attract', 'the attract screen');
    await waitUntil(() => core.queue.link?.state === 'online', 'the platform online');
    kiosk.sim?.placeCard('resident-zhang');
    await settle((v) => v.screen === 'welcome' && v.matters !== null, 'the matter list');
    for (const bad of [{ on: true, volume: 150 }, { on: 'yes', volume: 40 }, { on: true }, { on: true, volume: 40, rate: 2 }]) {
      const r = await call('ui.setVoice', bad);
      expect(r.ok ? 'accepted' : r.error.code, JSON.stringify(bad)).toBe('invalid-params');
    }
    await ok('ui.setVoice', { on: true, volume: 40 });
    await settle((v) => v.voice.volume === 40, 'the new volume');
    await ok('matter.choose', { code: 'SAMPLE-SB-0001' });
    await settle(stepIs('notice'), 'the notice');
    await ok('matter.next', {});
    const form = await settle(stepIs('form'), 'the form');
    await ok('matter.next', {}); // nothing filled in: the errors are spoken
    await settle((v) => v.matter?.step.kind === 'form' && v.matter.step.errorCount > 0, 'the form errors');
    if (form.matter?.step.kind !== 'form') throw new Error('not a form');
    for (const f of form.matter.step.fields) if (f.value === '') await ok('matter.input', { key: f.key, value: f.options?.[0]?.value ?? '查询' });
    await ok('matter.next', {});
    await settle(stepIs('submit', 'confirm'), 'the summary');
    await ok('matter.submit', {});
    await settle(stepIs('print', 'printed'), 'the receipt printed');
    const receipt = core.session.view().matter?.step;
    const number = receipt?.kind === 'print' ? receipt.receipt.acceptanceNumber : '';
    await ok('matter.next', {});
    await settle(stepIs('review', 'choosing'), 'the rating');
    await ok('matter.rate', { level: 'very-satisfied' });
    await settle((v) => v.screen === 'finished', 'the goodbye screen');

    const spoken = recorder.utterances.filter((u) => u.outcome === 'spoken');
    const texts = spoken.map((u) => u.text);
    for (const expected of [
      PHRASES.screens.attract['zh-CN'],
      `${ZHANG.name}，您好。`,
      '音量四十。',
      '您选择了：社会保险个人参保证明查询打印。',
      PHRASES.steps.form['zh-CN'],
      PHRASES.steps.submit.confirm['zh-CN'],
      PHRASES.steps.review.choosing['zh-CN'],
      PHRASES.screens.finished.accepted['zh-CN'],
    ]) {
      expect(texts, expected).toContain(expected);
    }
    expect(texts.some((t) => t.startsWith('受理回执已打印'))).toBe(true);
    expect(texts.some((t) => t.startsWith('查询目的') || t.startsWith('请填写') || t.startsWith('请选择'))).toBe(true);
    // After the citizen's choice, everything at their volume.
    const chosen = spoken.findIndex((u) => u.text === '音量四十。');
    expect(spoken.slice(chosen).every((u) => u.volume === 40)).toBe(true);
    for (const u of recorder.utterances) {
      expect(u.text).not.toContain(ZHANG.idNumber);
      expect(u.text).not.toContain(ZHANG.address.slice(0, 8));
      expect(u.text).not.toContain(number);
      if (u.file) expect(isAudible(WavRecorder.levels(u.file)), u.text).toBe(true);
    }
    const status = SystemStatus.parse(await core.handlers['system.get']({}));
    expect(status.voice?.state).toBe('ready');
    expect(status.voice?.counts.spoken).toBe(spoken.length);

    // The next citizen hears the terminal's default again.
    await ok('session.dismiss', {});
    await settle((v) => v.screen === 'attract', 'the attract screen again');
    expect(core.session.view().voice).toEqual({ on: true, volume: 70 });
    expect(recorder.utterances.at(-1)?.volume).toBe(70);
  });
});
