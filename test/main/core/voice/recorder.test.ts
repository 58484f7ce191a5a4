import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VOICES, PINYIN_FIXES, forVoice, hasVoice, listEspeakVoices, parseVoiceList } from '../../../../main/core/voice/espeak.js';
import { WavRecorder } from '../../../../main/core/voice/recorder.js';
import { isSpeechError } from '../../../../main/core/voice/tts.js';
import { isAudible } from '../../../../main/core/voice/wav.js';

function recorder(): WavRecorder {
  return new WavRecorder({ dir: mkdtempSync(join(tmpdir(), 'voice-wav-')) });
}

/** espeak-ng's phoneme mnemonics for a text (what it would say), without sound. */
function phonemes(voice: string, text: string): string {
  return execFileSync('espeak-ng', ['-q', '-x', '-v', voice, text], { encoding: 'utf8' });
}

describe("Debian's espeak-ng Mandarin", () => {
  it('cmn-latn-pinyin reads 请放置身份证 in Mandarin with its tones; cmn spells most characters out in English', () => {
    const good = phonemes(DEFAULT_VOICES['zh-CN'], '请放置身份证');
    expect(good).not.toContain('(en)');
    // qing3 (sandhi 21) fang4 zhi4 shen1 fen4 zheng4
    expect(good.replace(/\s+/g, ' ').trim()).toBe("tS;h'i21N_| f'a51N_| ts.'i.51_| s.'@55n_| f'@51n_| ts.'@51N_|");
    // The reason the default is not `cmn`: 请 comes out as English "qing three" (issue #1236 in espeak-ng).
    expect(phonemes('cmn', '请')).toContain('(en)');
  });

  it('words the dictionary misreads are given to it as tone-numbered pinyin, which it reads right', () => {
    const zh = DEFAULT_VOICES['zh-CN'];
    // 欢 comes out with the neutral tone (11) from the dictionary, with its first tone (55) from the fix.
    expect(phonemes(zh, '欢迎')).toContain("Xua11n");
    expect(phonemes(zh, forVoice('欢迎', zh))).toContain('Xua55n');
    // 银行 is read yin xing without the fix.
    expect(phonemes(zh, '银行')).toContain("S;'i35N");
    expect(phonemes(zh, forVoice('银行', zh))).toContain("X'a35N");
    for (const [word, pinyin] of Object.entries(PINYIN_FIXES)) {
      const fixed = phonemes(zh, forVoice(word, zh));
      expect(fixed, word).not.toContain('(en)');
      expect(fixed, `${word} → ${pinyin} changes what is said`).not.toBe(phonemes(zh, word));
    }
    // Not for a voice that reads Latin letters as English, nor for English.
    expect(forVoice('欢迎', 'cmn')).toBe('欢迎');
    expect(forVoice('欢迎', 'en')).toBe('欢迎');
  });

  it('the installed voices include both defaults', async () => {
    const installed = await listEspeakVoices('espeak-ng');
    expect(hasVoice(installed, DEFAULT_VOICES['zh-CN'])).toBe(true);
    expect(hasVoice(installed, DEFAULT_VOICES.en)).toBe(true);
    expect(hasVoice(installed, 'en+f3')).toBe(true);
    expect(hasVoice(installed, 'no-such-voice')).toBe(false);
    const parsed = parseVoiceList(
      'Pty Language       Age/Gender VoiceName          File                 Other Languages\n' +
        ' 5  cmn-latn-pinyin --/M      Chinese_(Mandarin,_latin_as_Pinyin) sit/cmn-Latn-pinyin  (zh-cmn 5)(zh 5)\n' +
        ' 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)\n',
    );
    expect([...parsed].sort()).toEqual(['chinese_(mandarin,_latin_as_pinyin)', 'cmn-latn-pinyin', 'en', 'en-gb', 'english_(great_britain)', 'gmw/en', 'sit/cmn-latn-pinyin', 'zh', 'zh-cmn'].sort());
  });
});

describe('WAV recorder (the test adapter)', () => {
  it('records what would be spoken, in both languages, and the audio is speech, not silence', async () => {
    const r = recorder();
    expect(await r.speak('请放置身份证', { locale: 'zh-CN', volume: 70, rate: 1 })).toBe('spoken');
    expect(await r.speak('Please place your ID card on the reader', { locale: 'en', volume: 70, rate: 1 })).toBe('spoken');
    expect(r.utterances.map((u) => [u.seq, u.text, u.locale, u.outcome])).toEqual([
      [1, '请放置身份证', 'zh-CN', 'spoken'],
      [2, 'Please place your ID card on the reader', 'en', 'spoken'],
    ]);
    for (const u of r.utterances) {
      expect(u.file).not.toBeNull();
      const l = WavRecorder.levels(u.file ?? '');
      expect(isAudible(l)).toBe(true);
      expect(l.durationSeconds).toBeGreaterThan(1);
      expect(l.clipped).toBeLessThan(0.001);
    }
  });

  it('volume 0 is silent (the check can fail); louder is louder, slower is longer', async () => {
    const r = recorder();
    const text = '请将身份证放在读卡区';
    await r.speak(text, { locale: 'zh-CN', volume: 0, rate: 1 });
    await r.speak(text, { locale: 'zh-CN', volume: 30, rate: 1 });
    await r.speak(text, { locale: 'zh-CN', volume: 100, rate: 1 });
    await r.speak(text, { locale: 'zh-CN', volume: 100, rate: 0.6 });
    const [mute, quiet, loud, slow] = r.utterances.map((u) => WavRecorder.levels(u.file ?? ''));
    expect(isAudible(mute!)).toBe(false);
    expect(mute!.peak).toBe(0);
    expect(loud!.rms).toBeGreaterThan(quiet!.rms * 2);
    expect(loud!.clipped).toBeLessThan(0.001);
    expect(slow!.durationSeconds).toBeGreaterThan(loud!.durationSeconds * 1.4);
  });

  it('an utterance canceled before it starts writes nothing; waitFor resolves on the count', async () => {
    const r = recorder();
    const ac = new AbortController();
    ac.abort();
    expect(await r.speak('取消', { locale: 'zh-CN', volume: 50, rate: 1 }, ac.signal)).toBe('canceled');
    const all = await r.waitFor(0);
    expect(all).toEqual([]);
    const p = r.speak('好', { locale: 'zh-CN', volume: 50, rate: 1 });
    const [one] = await r.waitFor(1);
    expect(await p).toBe('spoken');
    expect(one?.file && existsSync(one.file)).toBe(true);
  });

  it('a voice that is not installed is refused as voice-missing, not spoken in another voice', async () => {
    const r = new WavRecorder({ dir: mkdtempSync(join(tmpdir(), 'voice-wav-')), voices: { en: 'no-such-voice-xx' } });
    await expect(r.speak('hello', { locale: 'en', volume: 50, rate: 1 })).rejects.toSatisfy((e: unknown) => isSpeechError(e, 'voice-missing'));
    expect(r.utterances[0]?.outcome).toBe('failed');
  });
});
