import { appendFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn as nodeSpawn } from 'node:child_process';
import type { Locale } from '../../contract/index.js';
import { DEFAULT_VOICES, InstalledVoices, linkSignals, runEspeak, type SpawnFn } from './espeak.js';
import { SpeechError, UtteranceQueue, clampOptions, type SpeakOptions, type SpeakOutcome, type TextToSpeech } from './tts.js';
import { levelsOf, parseWav, type Levels } from './wav.js';

/**
 * The test adapter: espeak-ng writing each utterance to a WAV file (`espeak-ng -w`) instead of the
 * sound card, and a record of what would have been spoken. Tests (and web mode run for end-to-end
 * tests) read `utterances` and measure the files to check the speech is not silent.
 */

export interface RecordedUtterance {
  /** 1, 2, 3 … in the order spoken. */
  seq: number;
  text: string;
  locale: Locale;
  volume: number;
  rate: number;
  /** The WAV file (absent when the utterance was canceled before it started or failed). */
  file: string | null;
  outcome: SpeakOutcome | 'failed';
}

export interface WavRecorderOptions {
  dir: string;
  command?: string;
  voices?: Partial<Record<Locale, string>>;
  spawn?: SpawnFn;
  maxUtteranceMs?: number;
  /**
   * Also append each record as a JSON line to <dir>/utterances.jsonl, for a test that runs the kiosk in
   * another process (web mode with KIOSK_VOICE_RECORD_DIR). Test use only: the file holds what was said,
   * the greeting's name included.
   */
  index?: boolean;
}

export class WavRecorder implements TextToSpeech {
  readonly engine = 'espeak-ng (recording to WAV files)';
  readonly utterances: RecordedUtterance[] = [];
  readonly #queue = new UtteranceQueue();
  readonly #closing = new AbortController();
  readonly #opts: Required<Omit<WavRecorderOptions, 'voices' | 'index'>> & { voices: Record<Locale, string> };
  readonly #index: string | null;
  readonly #waiters = new Set<() => void>();
  readonly #voices: InstalledVoices;
  #seq = 0;

  constructor(opts: WavRecorderOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.#opts = {
      dir: opts.dir,
      command: opts.command ?? 'espeak-ng',
      voices: { ...DEFAULT_VOICES, ...opts.voices },
      spawn: opts.spawn ?? nodeSpawn,
      maxUtteranceMs: opts.maxUtteranceMs ?? 60_000,
    };
    this.#voices = new InstalledVoices(this.#opts.command, this.#opts.spawn);
    this.#index = opts.index ? join(opts.dir, 'utterances.jsonl') : null;
  }

  speak(text: string, opts: SpeakOptions, signal?: AbortSignal): Promise<SpeakOutcome> {
    const linked = linkSignals(signal, this.#closing.signal);
    const o = clampOptions(opts);
    const out = this.#queue.run(linked.signal, async () => {
      const seq = ++this.#seq;
      const file = join(this.#opts.dir, `${String(seq).padStart(4, '0')}-${o.locale}.wav`);
      const record: RecordedUtterance = { seq, text, locale: o.locale, volume: o.volume, rate: o.rate, file: null, outcome: 'failed' };
      try {
        await this.#voices.require(this.#opts.voices[o.locale], o.locale);
        const outcome = await runEspeak(text, o, { kind: 'wav', file }, { ...this.#opts, voice: this.#opts.voices[o.locale] }, linked.signal);
        if (outcome === 'spoken') {
          if (!exists(file)) throw new SpeechError('engine-failed', `espeak-ng wrote no file ${file}`);
          record.file = file;
        }
        record.outcome = outcome;
        return outcome;
      } finally {
        this.utterances.push(record);
        if (this.#index !== null) appendFileSync(this.#index, JSON.stringify(record) + '\n', { mode: 0o600 });
        for (const w of [...this.#waiters]) w();
      }
    });
    return out.finally(linked.dispose);
  }

  /** Resolves once `count` utterances have been recorded (spoken, canceled or failed). */
  waitFor(count: number, signal?: AbortSignal): Promise<RecordedUtterance[]> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.utterances.length >= count) {
          this.#waiters.delete(check);
          resolve(this.utterances.slice());
        } else if (signal?.aborted) {
          this.#waiters.delete(check);
          reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        }
      };
      this.#waiters.add(check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  /** The levels of a recorded utterance's audio. */
  static levels(file: string): Levels & { durationSeconds: number } {
    const wav = parseWav(readFileSync(file));
    return { ...levelsOf(wav.samples), durationSeconds: wav.durationSeconds };
  }

  async close(): Promise<void> {
    this.#closing.abort(new Error('speech closed'));
    await this.#queue.run(undefined, async () => 'canceled');
  }
}

function exists(file: string): boolean {
  try {
    return statSync(file).size > 44;
  } catch {
    return false;
  }
}
