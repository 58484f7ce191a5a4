import type { Locale } from '../../contract/index.js';

/**
 * The text-to-speech interface of the core. The voice guide speaks through it and nothing else; the
 * embedded default is espeak-ng as a subprocess (espeak.ts), a vendor engine replaces it by
 * implementing this interface. Every text reaching an engine has passed the speech guard (guard.ts).
 *
 *   speak(text, { locale, volume, rate }, signal)
 *     one utterance at a time: a call made while another is speaking waits for it to end;
 *     resolves 'spoken' when the utterance has been heard to the end (or written, for a recorder),
 *     'canceled' when `signal` aborted it (before or while speaking: the sound stops at once);
 *     rejects only with a SpeechError (no audio device, engine missing, voice missing, engine failed).
 */

export interface SpeakOptions {
  locale: Locale;
  /** 0 (silent) … 100 (the loudest the engine plays without clipping). */
  volume: number;
  /** Speaking rate as a multiple of the engine's normal rate: 0.5 … 2 (elder mode slows it). */
  rate: number;
}

export type SpeakOutcome = 'spoken' | 'canceled';

export type SpeechErrorCode =
  | 'no-audio-device' // the engine could not open the sound output (none fitted, unplugged, or no permission)
  | 'engine-missing' // the engine's program or library is not installed
  | 'voice-missing' // the engine has no voice for the locale
  | 'engine-failed'; // anything else the engine reported (exit status, timeout)

export class SpeechError extends Error {
  override readonly name = 'SpeechError';
  constructor(
    readonly code: SpeechErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isSpeechError(e: unknown, code?: SpeechErrorCode): e is SpeechError {
  return e instanceof SpeechError && (code === undefined || e.code === code);
}

export interface TextToSpeech {
  /** e.g. 'espeak-ng', 'none', or a vendor's name (shown to technicians). */
  readonly engine: string;
  speak(text: string, opts: SpeakOptions, signal?: AbortSignal): Promise<SpeakOutcome>;
  /** Stops what is speaking and refuses further utterances. */
  close(): Promise<void>;
}

/** The engine for `voice.engine: 'none'`: says nothing, fails nothing. */
export class SilentSpeech implements TextToSpeech {
  readonly engine = 'none';
  async speak(_text: string, _opts: SpeakOptions, signal?: AbortSignal): Promise<SpeakOutcome> {
    return signal?.aborted ? 'canceled' : 'spoken';
  }
  async close(): Promise<void> {}
}

/**
 * A working engine whose output goes nowhere: the guide runs exactly as with a real engine (the controls stay,
 * the state says ready) but nothing is heard. Test runs use it (KIOSK_VOICE_ENGINE=muted) so a developer's
 * speakers stay quiet; tests that check what is said use the WAV recorder.
 */
export class MutedSpeech implements TextToSpeech {
  readonly engine = 'muted';
  async speak(_text: string, _opts: SpeakOptions, signal?: AbortSignal): Promise<SpeakOutcome> {
    return signal?.aborted ? 'canceled' : 'spoken';
  }
  async close(): Promise<void> {}
}

/**
 * One utterance at a time: runs `task`s in call order; a task whose signal aborts while it waits never starts
 * and its result is 'canceled' at once — not when its turn comes — so that the caller lets go of it (and of
 * what it holds, such as listeners on a closing signal) while the utterance before it is still being said.
 * Screens can change faster than speech: the turns a new screen cancelled must not pile up behind it.
 */
export class UtteranceQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run(signal: AbortSignal | undefined, task: () => Promise<SpeakOutcome>): Promise<SpeakOutcome> {
    if (signal?.aborted) return Promise.resolve('canceled');
    let started = false;
    let onAbort = (): void => undefined;
    const waited = new Promise<SpeakOutcome>((resolve) => {
      onAbort = (): void => {
        if (!started) resolve('canceled');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const turn = (): Promise<SpeakOutcome> | SpeakOutcome => {
      if (signal?.aborted) return 'canceled';
      started = true;
      return task();
    };
    const next = this.#tail.then(turn, turn);
    this.#tail = next.catch(() => undefined);
    return Promise.race([next, waited]).finally(() => signal?.removeEventListener('abort', onAbort));
  }
}

/** Clamps the interface's numbers into range (a vendor engine maps them to its own scales). */
export function clampOptions(o: SpeakOptions): SpeakOptions {
  const volume = Number.isFinite(o.volume) ? Math.max(0, Math.min(100, o.volume)) : 0;
  const rate = Number.isFinite(o.rate) ? Math.max(0.5, Math.min(2, o.rate)) : 1;
  return { locale: o.locale, volume, rate };
}
