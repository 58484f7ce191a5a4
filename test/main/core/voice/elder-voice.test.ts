import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_IDENTITIES } from '../../../../drivers/id-card/samples.js';
import type { InvokeName, SessionView } from '../../../../main/contract/index.js';
import { dispatch } from '../../../../main/core/rpc.js';
import { PHRASES } from '../../../../main/core/voice/phrases.js';
import { startSimulatedKiosk, type SimulatedKiosk } from '../../../../main/sim/terminal.js';
import { ManualSpeech } from '../../../helpers/fake-speech.js';
import { tempDir } from '../../../integration/queue/helpers.js';
import { waitUntil } from '../matters-helpers.js';

/**
 * Elder mode (长辈模式) turns voice guidance on (issue 12 items 1–2), through the core's own requests and
 * its voice guide: on a terminal whose profile has voice off by default, ui.setDisplay with elder mode
 * makes the guide say so and speak the screen, slower (voice.elderRate); high contrast alone does not;
 * the citizen may still turn it off; the next citizen starts with the terminal's default again.
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
  const dir = tempDir('elder-voice-');
  const file = join(dir, 'kiosk.json');
  const profile = { dataDir: join(dir, 'data'), logging: { level: 'warn' }, voice: { defaultOn: false, volume: 60, rate: 1, elderRate: 0.75 } };
  writeFileSync(file, JSON.stringify(profile));
  const speech = new ManualSpeech();
  speech.autoFinish = true;
  const kiosk = await startSimulatedKiosk({ profilePath: file, host: 'web', deliveryIdleMs: 20, speech });
  running.push({ kiosk, dir });
  const core = kiosk.core;
  let id = 0;
  const ok = async (method: InvokeName, params: unknown): Promise<void> => {
    const r = await dispatch(JSON.stringify({ type: 'request', id: ++id, method, params }), core.handlers, core.log);
    if (!r.reply.ok) throw new Error(`${method}: ${r.reply.error.code} ${r.reply.error.message}`);
  };
  const settle = async (cond: (v: SessionView) => boolean, what: string): Promise<SessionView> => {
    await waitUntil(() => cond(core.session.view()), what);
    await core.voice.idle();
    return core.session.view();
  };
  return { kiosk, core, speech, ok, settle };
}

describe('elder mode turns voice guidance on (the core and its voice guide)', () => {
  it('off by the profile; elder mode on: said, then the screen, slower, at the volume kept; the citizen may turn it off; the next citizen starts with the default', async () => {
    const { kiosk, core, speech, ok, settle } = await start();
    await settle((v) => v.screen === 'attract', 'the attract screen');
    expect(core.session.view().voice).toEqual({ on: false, volume: 60 });
    expect(speech.texts).toEqual([]);

    // High contrast alone is not elder mode: still silent.
    await ok('ui.setDisplay', { largeText: false, highContrast: true });
    await settle((v) => v.display.highContrast, 'high contrast');
    expect(core.session.view().voice.on).toBe(false);
    expect(speech.texts).toEqual([]);

    // Elder mode from the attract screen: voice on, said, and the screen spoken at the elder rate.
    await ok('ui.setDisplay', { largeText: true, highContrast: true });
    await settle((v) => v.voice.on, 'voice on');
    expect(core.session.view().voice).toEqual({ on: true, volume: 60 });
    expect(speech.texts).toEqual([PHRASES.items.voiceOn['zh-CN'], PHRASES.screens.attract['zh-CN']]);
    expect(speech.utterances.map((u) => [u.opts.rate, u.opts.volume])).toEqual([
      [0.75, 60],
      [0.75, 60],
    ]);

    // The card: the welcome screen is spoken (voice stays on with elder mode).
    kiosk.sim?.placeCard('resident-zhang');
    await settle((v) => v.screen === 'welcome' && v.matters !== null, 'the matter list');
    expect(speech.texts).toContain(`${ZHANG.name}，您好。`);
    expect(speech.texts).toContain(PHRASES.screens.welcome.choose['zh-CN']);

    // The citizen turns it off: nothing more is said, even with elder mode still on.
    await ok('ui.setVoice', { on: false, volume: 60 });
    await settle((v) => !v.voice.on, 'voice off');
    const said = speech.texts.length;
    await ok('matter.choose', { code: 'SAMPLE-SB-0001' });
    await settle((v) => v.matter?.step.kind === 'notice', 'the notice');
    expect(speech.texts.length).toBe(said);

    // Elder mode off and on again in the middle of the matter: on again, and the step spoken.
    await ok('ui.setDisplay', { largeText: false, highContrast: true });
    await settle((v) => !v.display.largeText, 'elder mode off');
    expect(core.session.view().voice.on).toBe(false);
    await ok('ui.setDisplay', { largeText: true, highContrast: true });
    await settle((v) => v.voice.on, 'voice on again');
    expect(speech.texts.slice(said)[0]).toBe(PHRASES.items.voiceOn['zh-CN']);
    expect(speech.texts.slice(said).some((t) => t.startsWith('您选择了：'))).toBe(true);

    // The next citizen: normal display, the terminal's default (off), nothing spoken on the attract screen.
    await ok('matter.cancel', {});
    await ok('matter.cancelConfirm', {});
    await settle((v) => v.screen === 'welcome', 'back on the welcome screen');
    await ok('session.finish', {});
    await ok('session.dismiss', {});
    await settle((v) => v.screen === 'attract', 'the attract screen again');
    expect(core.session.view().display).toEqual({ largeText: false, highContrast: false });
    expect(core.session.view().voice).toEqual({ on: false, volume: 60 });
    for (const u of speech.utterances) expect(u.text).not.toContain(ZHANG.idNumber);
  });
});
