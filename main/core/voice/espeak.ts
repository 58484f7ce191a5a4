import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Locale } from '../../contract/index.js';
import { SpeechError, UtteranceQueue, clampOptions, type SpeakOptions, type SpeakOutcome, type TextToSpeech } from './tts.js';

/**
 * espeak-ng as a subprocess: the embedded default engine, offline on a fresh Debian machine
 * (`apt-get install espeak-ng`). One process per utterance, text on stdin (never on the command line,
 * so no text is ever read as an option), killed when the utterance is canceled.
 *
 * Mandarin: Debian 12's espeak-ng 1.51 has two Mandarin voices, `cmn` (Latin letters read as English)
 * and `cmn-latn-pinyin` (Latin letters read as pinyin). With `cmn`, most Chinese characters come out as
 * their pinyin spelled in English with the tone digit — 请 is heard as "qing three", 身 as "shen one"
 * (espeak-ng issue #1236; `espeak-ng -x -v cmn 请放置身份证` shows the English phonemes). With
 * `cmn-latn-pinyin` the same text is read in Mandarin with its tones (请放置身份证 →
 * tS;h'i21N f'a51N ts.'i.51 s.'@55n f'@51n ts.'@51N). So zh-CN uses `cmn-latn-pinyin` by default; the
 * Chinese phrases keep Latin letters out of their text (they would be read as pinyin).
 *
 * No sound output: the espeak-ng command exits 0 even when it cannot open the audio device; it prints
 * the ALSA/PulseAudio failure (e.g. "ALSA lib pcm.c:…(snd_pcm_open_noupdate) Unknown PCM default" and
 * "error: No such file or directory") on stderr. That is recognised as 'no-audio-device'.
 */

export const DEFAULT_VOICES: Readonly<Record<Locale, string>> = { 'zh-CN': 'cmn-latn-pinyin', en: 'en' };

/** espeak-ng's own default speed, words per minute (its -s). */
export const ESPEAK_BASE_WPM = 175;
/** Amplitude (its -a, 0…200) at volume 100: louder than this clips on loud phrases. */
export const ESPEAK_MAX_AMPLITUDE = 140;

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface EspeakOptions {
  /** The program; default 'espeak-ng' on PATH. */
  command?: string;
  /** Voice per locale (espeak-ng -v). */
  voices?: Partial<Record<Locale, string>>;
  /** Audio device name (espeak-ng -d); null/undefined = the system default output. */
  device?: string | null;
  /** An utterance taking longer than this is stopped and reported 'engine-failed'. Default 60 s. */
  maxUtteranceMs?: number;
  /** Tests: spawn replacement. */
  spawn?: SpawnFn;
  /**
   * Check each locale's voice against `espeak-ng --voices` before its first utterance (default true):
   * espeak-ng falls back to its default voice without a word when `-v` names a voice it lacks.
   */
  checkVoices?: boolean;
}

/** Where the sound goes: the sound card, or a WAV file (the test recorder). */
export type EspeakOutput = { kind: 'device'; device: string | null } | { kind: 'wav'; file: string };

/** The command line for one utterance (the text itself goes to stdin). */
export function espeakArgs(opts: SpeakOptions, voice: string, output: EspeakOutput): string[] {
  const o = clampOptions(opts);
  const amplitude = Math.round((o.volume / 100) * ESPEAK_MAX_AMPLITUDE);
  const wpm = Math.max(80, Math.min(450, Math.round(ESPEAK_BASE_WPM * o.rate)));
  const args = ['-v', voice, '-a', String(amplitude), '-s', String(wpm), '-b', '1'];
  if (output.kind === 'wav') args.push('-w', output.file);
  else if (output.device) args.push('-d', output.device);
  args.push('--stdin');
  return args;
}

/**
 * Words Debian's Mandarin dictionary gets wrong (a polyphone read the wrong way, a full tone read as
 * neutral), spelled in tone-numbered pinyin, which the cmn-latn-pinyin voice reads as Mandarin. Applied
 * to what espeak-ng is given, after the speech guard; only for a pinyin voice.
 */
export const PINYIN_FIXES: Readonly<Record<string, string>> = {
  欢迎: 'huan1ying2', // huan5
  政务: 'zheng4wu4', // wu5
  服务: 'fu2wu4', // wu5
  信息: 'xin4xi1', // xi5
  电子: 'dian4zi3', // zi5
  了解: 'liao3jie3', // le5 jie3
  重新: 'chong2xin1', // zhong4
  重试: 'chong2shi4', // zhong4
  重复: 'chong2fu4', // zhong4
  部分: 'bu4fen4', // fen1
  校验: 'jiao4yan4', // xiao4
  银行: 'yin2hang2', // xing2
};
const PINYIN_FIX = new RegExp(Object.keys(PINYIN_FIXES).join('|'), 'g');

/** The text as a voice should read it: known misreadings of a pinyin voice replaced by their pinyin. */
export function forVoice(text: string, voice: string): string {
  if (!/pinyin/i.test(voice)) return text;
  // Spaces keep a fix from running into a neighbouring Latin word.
  return text.replace(PINYIN_FIX, (w) => ` ${PINYIN_FIXES[w] ?? w} `);
}

/** Text as the engine should get it: no control characters, whitespace folded, bounded. */
export function plainText(text: string, max = 2000): string {
  return text
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);
}

const AUDIO_FAILURE = /snd_pcm_open|cannot find card|Unknown PCM|audio (device|output)|pa_context|pulse|Connection refused|Device or resource busy|Permission denied|^error: /im;

/** What an espeak-ng run's exit and stderr mean. null = it spoke. */
export function classifyEspeakExit(code: number | null, signal: NodeJS.Signals | null, stderr: string, output: EspeakOutput['kind']): SpeechError | null {
  const first = stderr.split('\n').find((l) => l.trim().length > 0)?.trim().slice(0, 200) ?? '';
  if (/voice does not exist|voice not found|No voice/i.test(stderr)) return new SpeechError('voice-missing', `espeak-ng: ${first}`);
  if (output === 'device' && AUDIO_FAILURE.test(stderr)) {
    const line = stderr.split('\n').find((l) => AUDIO_FAILURE.test(l))?.trim().slice(0, 200) ?? first;
    return new SpeechError('no-audio-device', `espeak-ng cannot open the sound output: ${line}`);
  }
  if (output === 'wav' && /Can't write/i.test(stderr)) return new SpeechError('engine-failed', `espeak-ng: ${first}`);
  if (signal !== null) return new SpeechError('engine-failed', `espeak-ng ended by ${signal}`);
  if (code !== 0) return new SpeechError('engine-failed', `espeak-ng exited ${code}${first ? `: ${first}` : ''}`);
  return null;
}

/**
 * Runs one espeak-ng process for one utterance. Resolves 'spoken' or 'canceled'; rejects with a
 * SpeechError. Cancel: SIGTERM at once, SIGKILL if it has not gone a second later; the promise settles
 * only once the process is gone, so the next utterance never overlaps it.
 */
export function runEspeak(
  text: string,
  opts: SpeakOptions,
  output: EspeakOutput,
  cfg: { command: string; voice: string; maxUtteranceMs: number; spawn: SpawnFn },
  signal?: AbortSignal,
): Promise<SpeakOutcome> {
  if (signal?.aborted) return Promise.resolve('canceled');
  return new Promise<SpeakOutcome>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = cfg.spawn(cfg.command, espeakArgs(opts, cfg.voice, output), { stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (e) {
      reject(spawnFailure(e, cfg.command));
      return;
    }
    let stderr = '';
    let canceled = false;
    let timedOut = false;
    let killTimer: ReturnType<typeof setTimeout> | null = null;
    const stop = (): void => {
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), 1000);
      killTimer.unref?.();
    };
    const onAbort = (): void => {
      canceled = true;
      stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, cfg.maxUtteranceMs);
    timer.unref?.();
    let spawnError: unknown = null;
    child.on('error', (e) => {
      spawnError = e;
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < 8192) stderr += chunk;
    });
    // The process may be gone before it read its input: a broken pipe is not our failure.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(plainText(forVoice(text, cfg.voice)) + '\n', 'utf8');
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      if (spawnError !== null) return reject(spawnFailure(spawnError, cfg.command));
      if (canceled) return resolve('canceled');
      if (timedOut) return reject(new SpeechError('engine-failed', `espeak-ng did not finish within ${cfg.maxUtteranceMs} ms`));
      const failure = classifyEspeakExit(code, sig, stderr, output.kind);
      if (failure) reject(failure);
      else resolve('spoken');
    });
  });
}

function spawnFailure(e: unknown, command: string): SpeechError {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new SpeechError('engine-missing', `${command} is not installed (apt-get install espeak-ng)`, { cause: e });
  if (code === 'EACCES') return new SpeechError('engine-missing', `${command} cannot be run (permission denied)`, { cause: e });
  return new SpeechError('engine-failed', `${command} could not be started: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/**
 * The names `-v` accepts, from `espeak-ng --voices`: each voice's language, name, file (and file's last
 * part) and other languages, lower-cased.
 */
export function parseVoiceList(stdout: string): Set<string> {
  const names = new Set<string>();
  for (const line of stdout.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5) continue;
    const [, language, , voiceName, file] = cols;
    for (const n of [language, voiceName, file, file?.split('/').pop()]) if (n) names.add(n.toLowerCase());
    for (const m of line.matchAll(/\(([^\s()]+) \d+\)/g)) if (m[1]) names.add(m[1].toLowerCase());
  }
  return names;
}

/** Whether `voice` (possibly with a +variant) is among the installed voices. */
export function hasVoice(installed: ReadonlySet<string>, voice: string): boolean {
  return installed.has((voice.split('+')[0] ?? voice).toLowerCase());
}

/** Runs `espeak-ng --voices` and parses it. */
export function listEspeakVoices(command: string, spawn: SpawnFn = nodeSpawn): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, ['--voices'], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      reject(spawnFailure(e, command));
      return;
    }
    let out = '';
    let failed: unknown = null;
    const timer = setTimeout(() => {
      failed = new SpeechError('engine-failed', `${command} --voices did not answer within 10 s`);
      child.kill('SIGKILL');
    }, 10_000);
    timer.unref?.();
    child.on('error', (e) => (failed = e));
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (c: string) => {
      if (out.length < 1 << 20) out += c;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed instanceof SpeechError) reject(failed);
      else if (failed !== null) reject(spawnFailure(failed, command));
      else if (code !== 0) reject(new SpeechError('engine-failed', `${command} --voices exited ${code}`));
      else resolve(parseVoiceList(out));
    });
  });
}

/** The installed voices, asked of espeak-ng once (again after a failure: it may be installed later). */
export class InstalledVoices {
  #installed: Promise<Set<string>> | null = null;
  constructor(
    private readonly command: string,
    private readonly spawn: SpawnFn,
  ) {}

  /** Rejects with 'voice-missing' when `voice` is not installed (or with why the list could not be had). */
  async require(voice: string, locale: Locale): Promise<void> {
    this.#installed ??= listEspeakVoices(this.command, this.spawn);
    let installed: Set<string>;
    try {
      installed = await this.#installed;
    } catch (e) {
      this.#installed = null;
      throw e;
    }
    if (!hasVoice(installed, voice)) throw new SpeechError('voice-missing', `espeak-ng has no voice '${voice}' for ${locale} (espeak-ng --voices)`);
  }
}

/** The embedded engine: espeak-ng speaking on the sound card. */
export class EspeakNg implements TextToSpeech {
  readonly engine = 'espeak-ng';
  readonly #queue = new UtteranceQueue();
  readonly #closing = new AbortController();
  readonly #cfg: { command: string; voices: Record<Locale, string>; device: string | null; maxUtteranceMs: number; spawn: SpawnFn };
  readonly #voices: InstalledVoices | null;

  constructor(opts: EspeakOptions = {}) {
    this.#cfg = {
      command: opts.command ?? 'espeak-ng',
      voices: { ...DEFAULT_VOICES, ...opts.voices },
      device: opts.device ?? null,
      maxUtteranceMs: opts.maxUtteranceMs ?? 60_000,
      spawn: opts.spawn ?? nodeSpawn,
    };
    this.#voices = opts.checkVoices === false ? null : new InstalledVoices(this.#cfg.command, this.#cfg.spawn);
  }

  speak(text: string, opts: SpeakOptions, signal?: AbortSignal): Promise<SpeakOutcome> {
    const linked = linkSignals(signal, this.#closing.signal);
    const out = this.#queue.run(linked.signal, async () => {
      const voice = this.#cfg.voices[opts.locale];
      await this.#voices?.require(voice, opts.locale);
      return runEspeak(text, opts, { kind: 'device', device: this.#cfg.device }, { ...this.#cfg, voice }, linked.signal);
    });
    return out.finally(linked.dispose);
  }

  async close(): Promise<void> {
    this.#closing.abort(new Error('speech closed'));
    await this.#queue.run(undefined, async () => 'canceled');
  }
}

/**
 * A signal that aborts when either does (without AbortSignal.any, whose listeners Node 20 may collect
 * early); `dispose` detaches it from both once the work is over.
 */
export function linkSignals(a: AbortSignal | undefined, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  if (a?.aborted) ac.abort(a.reason);
  else if (b.aborted) ac.abort(b.reason);
  const onA = (): void => ac.abort(a?.reason);
  const onB = (): void => ac.abort(b.reason);
  a?.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  return {
    signal: ac.signal,
    dispose: () => {
      a?.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}
