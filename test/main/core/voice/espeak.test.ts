import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VOICES, EspeakNg, classifyEspeakExit, espeakArgs, plainText } from '../../../../main/core/voice/espeak.js';
import { SpeechError, isSpeechError } from '../../../../main/core/voice/tts.js';
import { fakeSpawn } from '../../../helpers/fake-speech.js';

const ZH = { locale: 'zh-CN' as const, volume: 70, rate: 1 };

/** What the Debian espeak-ng prints when there is no sound card (it exits 0 all the same). */
const NO_CARD_STDERR = [
  "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'",
  'ALSA lib conf.c:5180:(_snd_config_evaluate) function snd_func_card_inum returned error: No such file or directory',
  'ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default',
  'error: No such file or directory',
  '',
].join('\n');

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('espeak-ng command line', () => {
  it('maps volume and rate onto -a and -s, text never on the command line', () => {
    expect(espeakArgs(ZH, 'cmn-latn-pinyin', { kind: 'device', device: null })).toEqual(['-v', 'cmn-latn-pinyin', '-a', '98', '-s', '175', '-b', '1', '--stdin']);
    expect(espeakArgs({ locale: 'en', volume: 100, rate: 0.8 }, 'en', { kind: 'wav', file: '/t/a.wav' })).toEqual(['-v', 'en', '-a', '140', '-s', '140', '-b', '1', '-w', '/t/a.wav', '--stdin']);
    expect(espeakArgs({ locale: 'en', volume: 0, rate: 9 }, 'en', { kind: 'device', device: 'plughw:1' })).toEqual(['-v', 'en', '-a', '0', '-s', '350', '-b', '1', '-d', 'plughw:1', '--stdin']);
    expect(espeakArgs({ locale: 'en', volume: Number.NaN, rate: Number.NaN }, 'en', { kind: 'device', device: null }).slice(2, 6)).toEqual(['-a', '0', '-s', '175']);
  });

  it('Mandarin uses the voice that reads Chinese characters in Mandarin', () => {
    expect(DEFAULT_VOICES['zh-CN']).toBe('cmn-latn-pinyin');
    expect(plainText('  请\u0000放置\u200b身份证\n\n')).toBe('请 放置 身份证');
  });

  it('recognises no sound card, a missing voice and a failure from exit and stderr', () => {
    expect(classifyEspeakExit(0, null, NO_CARD_STDERR, 'device')?.code).toBe('no-audio-device');
    expect(classifyEspeakExit(0, null, NO_CARD_STDERR, 'device')?.message).toContain('cannot find card');
    expect(classifyEspeakExit(0, null, '', 'device')).toBeNull();
    expect(classifyEspeakExit(1, null, 'Error: The specified espeak-ng voice does not exist.\n', 'device')?.code).toBe('voice-missing');
    expect(classifyEspeakExit(0, null, "Can't write to: '/x/y.wav'\n", 'wav')?.code).toBe('engine-failed');
    expect(classifyEspeakExit(2, null, '', 'wav')?.code).toBe('engine-failed');
    expect(classifyEspeakExit(null, 'SIGSEGV', '', 'device')?.code).toBe('engine-failed');
  });
});

describe('EspeakNg (fake process)', () => {
  it('sends the text on stdin and resolves spoken when the process ends cleanly', async () => {
    const f = fakeSpawn();
    const tts = new EspeakNg({ spawn: f.spawn, checkVoices: false });
    const p = tts.speak('请放置身份证', ZH);
    const child = await f.next();
    child.exit(0);
    expect(await p).toBe('spoken');
    expect(child.input).toBe('请放置身份证\n');
    expect(child.args).not.toContain('请放置身份证');
  });

  it('cancel kills the process at once and resolves canceled; the next utterance starts only after it is gone', async () => {
    const f = fakeSpawn();
    const tts = new EspeakNg({ spawn: f.spawn, checkVoices: false });
    const ac = new AbortController();
    const first = tts.speak('one', ZH, ac.signal);
    const second = tts.speak('two', ZH);
    const c1 = await f.next();
    expect(f.children).toHaveLength(1); // one utterance at a time
    ac.abort();
    expect(await first).toBe('canceled');
    expect(c1.kills).toEqual(['SIGTERM']);
    const c2 = await f.next();
    expect(c2.input).toBe('two\n');
    c2.exit(0);
    expect(await second).toBe('spoken');
  });

  it('an utterance canceled while it waited never starts', async () => {
    const f = fakeSpawn();
    const tts = new EspeakNg({ spawn: f.spawn, checkVoices: false });
    const ac = new AbortController();
    const first = tts.speak('one', ZH);
    const second = tts.speak('two', ZH, ac.signal);
    ac.abort();
    (await f.next()).exit(0);
    expect(await first).toBe('spoken');
    expect(await second).toBe('canceled');
    expect(f.children).toHaveLength(1);
  });

  it('utterances canceled while one is spoken settle at once and let go of the engine: a screen a second never piles them up', async () => {
    const f = fakeSpawn();
    const tts = new EspeakNg({ spawn: f.spawn, checkVoices: false });
    const first = tts.speak('one', ZH);
    const c1 = await f.next();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      // Twenty screens in a row while the first is still being said, each cancelling the turn before it.
      const canceled: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        const ac = new AbortController();
        const p = tts.speak(`screen ${i}`, ZH, ac.signal);
        ac.abort(new Error('the screen changed'));
        canceled.push(p);
        await new Promise((r) => setImmediate(r)); // the next screen comes on a later turn of the event loop
      }
      // All settled while "one" still plays (before, each waited for its turn, holding a listener on the
      // engine's closing signal: MaxListenersExceededWarning after ten).
      expect(await Promise.all(canceled)).toEqual(Array.from({ length: 20 }, () => 'canceled'));
      expect(c1.exited).toBe(false);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
    c1.exit(0);
    expect(await first).toBe('spoken');
    // None of the canceled ones ever started a process.
    expect(f.children).toHaveLength(1);
    const last = tts.speak('last', ZH);
    (await f.next()).exit(0);
    expect(await last).toBe('spoken');
  });

  it('no sound card: a typed no-audio-device error', async () => {
    const f = fakeSpawn();
    const tts = new EspeakNg({ spawn: f.spawn, checkVoices: false });
    const p = tts.speak('hello', { ...ZH, locale: 'en' });
    (await f.next()).exit(0, null, NO_CARD_STDERR);
    const e = await rejection(p);
    expect(isSpeechError(e, 'no-audio-device')).toBe(true);
  });

  it('close cancels what is speaking and everything queued', async () => {
    const f = fakeSpawn();
    const tts = new EspeakNg({ spawn: f.spawn, checkVoices: false });
    const a = tts.speak('a', ZH);
    const b = tts.speak('b', ZH);
    await f.next();
    await tts.close();
    expect(await a).toBe('canceled');
    expect(await b).toBe('canceled');
    expect(f.children).toHaveLength(1);
  });
});

describe('EspeakNg (real processes)', () => {
  it('a sound device that does not exist is reported as no-audio-device (the real espeak-ng)', async () => {
    const tts = new EspeakNg({ device: 'kiosk-test-no-such-device' });
    const e = await rejection(tts.speak('请放置身份证', ZH));
    expect(e).toBeInstanceOf(SpeechError);
    expect((e as SpeechError).code).toBe('no-audio-device');
  });

  it('a missing program is engine-missing; a missing voice is voice-missing', async () => {
    const missing = await rejection(new EspeakNg({ command: '/nonexistent/espeak-ng' }).speak('x', ZH));
    expect(isSpeechError(missing, 'engine-missing')).toBe(true);
    const noVoice = await rejection(new EspeakNg({ voices: { en: 'no-such-voice-xx' }, device: 'kiosk-test-no-such-device' }).speak('x', { ...ZH, locale: 'en' }));
    expect(isSpeechError(noVoice, 'voice-missing')).toBe(true);
  });

  it('cancel ends a real process that is still speaking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'espeak-'));
    const script = join(dir, 'slow-espeak');
    // Stands in for an utterance that plays for a long time; records that it started.
    writeFileSync(
      script,
      `#!/bin/sh\nif [ "$1" = --voices ]; then printf 'Pty Language Age/Gender VoiceName File Other\\n 5 cmn-latn-pinyin --/M Chinese sit/cmn-Latn-pinyin (zh 5)\\n'; exit 0; fi\n` +
        `echo started > "${dir}/started"\nexec sleep 600\n`,
    );
    chmodSync(script, 0o755);
    const tts = new EspeakNg({ command: script });
    const ac = new AbortController();
    const p = tts.speak('请放置身份证', ZH, ac.signal);
    const { existsSync } = await import('node:fs');
    await expect.poll(() => existsSync(join(dir, 'started')), { timeout: 20_000 }).toBe(true);
    ac.abort();
    expect(await p).toBe('canceled');
  });
});
