import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileError, loadProfile } from '../../../../main/core/profile.js';
import { VOICE_DEFAULTS, createSpeech } from '../../../../main/core/voice/config.js';
import { EspeakNg } from '../../../../main/core/voice/espeak.js';
import { SilentSpeech } from '../../../../main/core/voice/tts.js';

function profileWith(voice: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'voice-profile-'));
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify({ voice }));
  return file;
}

function problem(voice: unknown): string {
  try {
    loadProfile(profileWith(voice));
  } catch (e) {
    if (e instanceof ProfileError) return e.field;
    throw e;
  }
  return 'none';
}

describe('profile: voice', () => {
  it('defaults: espeak-ng, on for each citizen at 70, normal rate, elder mode 0.8, reminders every 10 s, the Mandarin voice that reads characters', () => {
    const { profile } = loadProfile(null);
    expect(profile.voice).toEqual(VOICE_DEFAULTS);
    expect(profile.voice).toEqual({
      engine: 'espeak-ng',
      defaultOn: true,
      volume: 70,
      rate: 1,
      elderRate: 0.8,
      reminderSeconds: 10,
      espeak: { command: 'espeak-ng', voices: { 'zh-CN': 'cmn-latn-pinyin', en: 'en' }, device: null },
    });
    expect(createSpeech(profile.voice)).toBeInstanceOf(EspeakNg);
  });

  it('a site can turn voice off, quieten it, pick voices and a sound output', () => {
    const { profile } = loadProfile(profileWith({ engine: 'none', volume: 40, espeak: { voices: { en: 'en-us' }, device: 'plughw:1,0' } }));
    expect(profile.voice.engine).toBe('none');
    expect(profile.voice.volume).toBe(40);
    expect(profile.voice.espeak).toEqual({ command: 'espeak-ng', voices: { 'zh-CN': 'cmn-latn-pinyin', en: 'en-us' }, device: 'plughw:1,0' });
    expect(createSpeech(profile.voice)).toBeInstanceOf(SilentSpeech);
  });

  it('bad values stop start-up naming the field', () => {
    expect(problem({ engine: 'festival' })).toBe('voice.engine');
    expect(problem({ volume: 101 })).toBe('voice.volume');
    expect(problem({ rate: 3 })).toBe('voice.rate');
    expect(problem({ elderRate: 1.5 })).toBe('voice.elderRate');
    expect(problem({ espeak: { voices: { 'zh-CN': '-x; rm' } } })).toBe('voice.espeak.voices.zh-CN');
    expect(problem({ loud: true })).toBe('voice.loud');
  });
});
