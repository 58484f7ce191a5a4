import { z } from 'zod';

/*
 * Voice guidance (语音播报) at the screen: the citizen's choice (on/off, volume), reset for every new
 * citizen like the language and large text, and the engine's state for technicians.
 */

/** What the citizen chose: voice on or off, and how loud (0–100; the terminal's default comes from its profile). */
export const VoiceChoice = z.object({
  on: z.boolean(),
  volume: z.number().int().min(0).max(100),
});
export type VoiceChoice = z.infer<typeof VoiceChoice>;

/** The volume steps a control offers (a slider may offer any value 0–100). */
export const VOLUME_STEPS: readonly number[] = [20, 40, 60, 80, 100];

/**
 * ready: something was spoken; unknown: nothing spoken yet; disabled: the profile has no engine
 * ('none'); the others: why nothing can be heard (the kiosk works on without sound).
 */
export const VoiceState = z.enum(['ready', 'unknown', 'disabled', 'no-audio-device', 'engine-missing', 'voice-missing', 'engine-failed']);
export type VoiceState = z.infer<typeof VoiceState>;

/** Voice guidance as technicians see it. */
export const VoiceStatus = z.object({
  /** 'espeak-ng', 'none', or a vendor engine's name. */
  engine: z.string().max(100),
  state: VoiceState,
  /** Why, in words for staff (e.g. "espeak-ng cannot open the sound output: … Unknown PCM default"); null when fine. */
  detail: z.string().max(300).nullable(),
  /** When `state` was entered (ms since epoch). */
  since: z.number().int().nonnegative(),
  /** Utterances since start: heard to the end, cut off by a new screen, refused by the privacy guard, failed. */
  counts: z.object({
    spoken: z.number().int().nonnegative(),
    canceled: z.number().int().nonnegative(),
    refused: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  }),
});
export type VoiceStatus = z.infer<typeof VoiceStatus>;
