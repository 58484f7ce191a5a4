import { z } from 'zod';
import { DEFAULT_VOICES, EspeakNg } from './espeak.js';
import { SilentSpeech, type TextToSpeech } from './tts.js';

/** An espeak-ng voice name as `-v` takes it (e.g. cmn-latn-pinyin, en, en-us, en+f3). */
const VoiceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_+./-]{0,63}$/, 'an espeak-ng voice name, e.g. cmn-latn-pinyin');

const ESPEAK_DEFAULTS = { command: 'espeak-ng', voices: { ...DEFAULT_VOICES }, device: null };

/** The terminal profile's `voice` section (main/core/profile.ts). */
export const VoiceConfig = z
  .object({
    /** The text-to-speech engine: the embedded espeak-ng, or none (no voice guidance at all). */
    engine: z.enum(['espeak-ng', 'none']).default('espeak-ng'),
    /** Voice guidance on for each new citizen (the citizen can turn it off; elder mode turns it on). */
    defaultOn: z.boolean().default(true),
    /** Each new citizen's volume, 0–100 (the citizen can change it). */
    volume: z.number().int().min(0).max(100).default(70),
    /** Speaking rate, 1 = the engine's normal (espeak-ng: 175 words a minute). */
    rate: z.number().min(0.5).max(2).default(1),
    /** Elder mode multiplies the rate by this (slower). */
    elderRate: z.number().min(0.5).max(1).default(0.8),
    /** Seconds between reminders to take the ID card while it stays on the reader. */
    reminderSeconds: z.number().int().min(3).max(300).default(10),
    espeak: z
      .object({
        /** The program: a name on PATH or an absolute path. */
        command: z.string().min(1).max(4096).default('espeak-ng'),
        /** Voice per language. zh-CN: cmn-latn-pinyin reads Chinese characters in Mandarin on Debian 12 (cmn does not). */
        voices: z
          .object({ 'zh-CN': VoiceName.default(DEFAULT_VOICES['zh-CN']), en: VoiceName.default(DEFAULT_VOICES.en) })
          .strict()
          .default({ ...DEFAULT_VOICES }),
        /** The sound output (espeak-ng -d, e.g. an ALSA device name); null = the system default. */
        device: z.string().min(1).max(200).nullable().default(null),
      })
      .strict()
      .default(ESPEAK_DEFAULTS),
  })
  .strict();
export type VoiceConfig = z.infer<typeof VoiceConfig>;

export const VOICE_DEFAULTS: VoiceConfig = VoiceConfig.parse({});

/** The engine the profile names. A vendor engine is passed to the core instead (KioskCoreOptions.speech). */
export function createSpeech(config: VoiceConfig): TextToSpeech {
  if (config.engine === 'none') return new SilentSpeech();
  return new EspeakNg({ command: config.espeak.command, voices: config.espeak.voices, device: config.espeak.device });
}
