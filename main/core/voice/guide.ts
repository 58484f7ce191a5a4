import type { Logger } from 'pino';
import type { SessionView, VoiceChoice, VoiceState, VoiceStatus } from '../../contract/index.js';
import { Emitter } from '../../../drivers/device.js';
import { cueOf, type Cue, type CueItem, type Line } from './cues.js';
import { GuardedSpeech, type GuardReason, type SpeechGuard } from './guard.js';
import { PHRASES } from './phrases.js';
import { isSpeechError, type SpeakOptions, type TextToSpeech } from './tts.js';

/**
 * Voice guidance: listens to the session views the core pushes and speaks them.
 *
 *  - A new screen, step or phase (or language) cuts off what is being said and speaks its prompt,
 *    then whatever is on it (errors, warnings, dialogs); an identical view says nothing again.
 *  - On the same screen, only what newly appears is spoken (a field's error, the idle warning, the
 *    cancel dialog); the card reminder repeats while the card stays on the reader.
 *  - The citizen's choice (view.voice): off stops at once and says nothing; on again says so and
 *    speaks the current screen; a new volume is said at that volume.
 *  - Elder mode speaks slower (profile voice.elderRate).
 *  - Every utterance passes the speech guard; a refused one is counted and logged by its reason only.
 *  - Without a sound output (or an engine) nothing stops: the state says why, logged once per change.
 */

/** What the guide schedules repeats with; xstate's SimulatedClock fits, so tests need no real time. */
export interface GuideClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const realClock: GuideClock = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

export interface VoiceGuideOptions {
  speech: TextToSpeech;
  guard: SpeechGuard;
  log: Logger;
  /** The terminal's default choice (profile voice.defaultOn, voice.volume). */
  defaultChoice: VoiceChoice;
  /** Speaking rate (1 = the engine's normal), and the factor elder mode applies to it. */
  rate: number;
  elderRate: number;
  /** Seconds between card reminders while the card stays on the reader. */
  reminderSeconds: number;
  /** Whether a view is in elder mode (speaks slower). Default: large text. */
  isElder?: (v: SessionView) => boolean;
  clock?: GuideClock;
  now?: () => number;
  /**
   * After 'no-audio-device', 'engine-missing' or 'voice-missing', how long nothing is tried (ms; default
   * 60 s): a kiosk without speakers does not start a process for every screen, and one whose speaker is
   * plugged in later speaks again within a minute.
   */
  retryMs?: number;
}

interface Shown {
  cue: Cue;
  view: SessionView;
  choice: VoiceChoice;
  items: Set<string>;
}


export class VoiceGuide {
  readonly #o: VoiceGuideOptions;
  readonly #speech: GuardedSpeech;
  readonly #clock: GuideClock;
  readonly #status = new Emitter<VoiceStatus>();
  readonly #repeats = new Map<string, unknown>();
  #state: VoiceStatus;
  #shown: Shown | null = null;
  #turn: { ac: AbortController; done: Promise<void> } | null = null;
  #pausedUntil = 0;
  /** The stage whose intro was heard to the end (a phase change that cut it off says it again). */
  #introHeard: string | null = null;
  #closed = false;

  constructor(opts: VoiceGuideOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? realClock;
    this.#speech = new GuardedSpeech(opts.speech, opts.guard, (reason) => this.#refused(reason));
    const disabled = opts.speech.engine === 'none';
    this.#state = {
      engine: opts.speech.engine,
      state: disabled ? 'disabled' : 'unknown',
      detail: disabled ? 'voice.engine is none in the terminal profile' : null,
      since: this.#now(),
      counts: { spoken: 0, canceled: 0, refused: 0, failed: 0 },
    };
  }

  status(): VoiceStatus {
    return structuredClone(this.#state);
  }

  /** Every change of state (not of counts). */
  onStatus(listener: (s: VoiceStatus) => void): () => void {
    return this.#status.on(listener);
  }

  /** Speaks what changed from the last view to this one. */
  show(v: SessionView): void {
    if (this.#closed) return;
    const choice = v.voice;
    const cue = cueOf(v, { reminderSeconds: this.#o.reminderSeconds });
    const prev = this.#shown;
    this.#shown = { cue, view: v, choice, items: new Set(cue.items.map((i) => i.id)) };
    if (!choice.on) {
      this.#cancel();
      this.#clearRepeats();
      return;
    }
    const turnedOn = prev !== null && !prev.choice.on;
    if (prev === null || turnedOn || cue.screen !== prev.cue.screen) {
      const lines: Line[] = [];
      if (turnedOn) lines.push({ text: PHRASES.items.voiceOn[cue.locale] });
      const newStage = prev === null || turnedOn || cue.stage !== prev.cue.stage;
      if (newStage) this.#introHeard = null;
      const intro = newStage || this.#introHeard !== cue.stage ? cue.intro : [];
      lines.push(...intro);
      const introEnds = lines.length;
      lines.push(...cue.prompt, ...this.#itemLines(cue.items, cue));
      this.#say(lines, intro.length > 0 ? { stage: cue.stage, lines: introEnds } : undefined);
    } else {
      const fresh = cue.items.filter((i) => !prev.items.has(i.id));
      if (fresh.length > 0) this.#say(this.#itemLines(fresh, cue));
      else if (choice.volume !== prev.choice.volume) this.#say([{ text: PHRASES.items.volume(choice.volume)[cue.locale] }]);
    }
    this.#scheduleRepeats(cue);
  }

  /** Resolves once nothing is being said (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#turn) {
      const t = this.#turn;
      await t.done;
      if (this.#turn === t) this.#turn = null;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancel();
    this.#clearRepeats();
    await this.idle();
    await this.#o.speech.close();
    this.#status.clear();
  }

  #itemLines(items: readonly CueItem[], cue: Cue): Line[] {
    const errors = items.filter((i) => i.kind === 'error').length;
    const out: Line[] = [];
    if (errors > 1) out.push({ text: PHRASES.items.errorsIntro(errors)[cue.locale] });
    for (const i of items) out.push(...i.lines);
    return out;
  }

  #options(): SpeakOptions {
    const s = this.#shown;
    const elder = s !== null && (this.#o.isElder ?? ((v: SessionView) => v.display.largeText))(s.view);
    return { locale: s?.cue.locale ?? 'zh-CN', volume: s?.choice.volume ?? this.#o.defaultChoice.volume, rate: this.#o.rate * (elder ? this.#o.elderRate : 1) };
  }

  /**
   * Cuts off what is being said and says `lines`, one after the other. `intro`: the first `lines` lines
   * are the stage's intro; once they are heard, it is not said again for another phase of the stage.
   */
  #say(lines: Line[], intro?: { stage: string; lines: number }): void {
    this.#cancel();
    if (lines.length === 0 || this.#state.state === 'disabled' || this.#now() < this.#pausedUntil) return;
    const ac = new AbortController();
    const opts = this.#options();
    const secrets = this.#shown?.cue.secrets ?? [];
    const run = async (): Promise<void> => {
      for (const [i, l] of lines.entries()) {
        if (ac.signal.aborted) return;
        try {
          const r = await this.#speech.speak({ text: l.text, ...(l.allow ? { allow: l.allow } : {}), secrets }, opts, ac.signal);
          if (r === 'canceled') {
            this.#state.counts.canceled++;
            return;
          }
          if (r === 'spoken') {
            this.#state.counts.spoken++;
            this.#setState('ready', null);
            if (intro && i === intro.lines - 1) this.#introHeard = intro.stage;
          }
        } catch (e) {
          this.#state.counts.failed++;
          if (isSpeechError(e) && e.code !== 'engine-failed') this.#pausedUntil = this.#now() + (this.#o.retryMs ?? 60_000);
          if (isSpeechError(e)) this.#setState(e.code, e.message);
          else this.#setState('engine-failed', e instanceof Error ? e.message : String(e));
          return;
        }
      }
    };
    const turn = { ac, done: run() };
    this.#turn = turn;
    void turn.done.finally(() => {
      if (this.#turn === turn) this.#turn = null;
    });
  }

  #cancel(): void {
    this.#turn?.ac.abort(new Error('the screen changed'));
  }

  #scheduleRepeats(cue: Cue): void {
    const present = new Set(cue.items.filter((i) => i.repeatSeconds !== undefined).map((i) => i.id));
    for (const [id, timer] of this.#repeats) {
      if (!present.has(id)) {
        this.#clock.clearTimeout(timer);
        this.#repeats.delete(id);
      }
    }
    for (const item of cue.items) {
      if (item.repeatSeconds === undefined || this.#repeats.has(item.id)) continue;
      this.#repeat(item.id, item.repeatSeconds);
    }
  }

  #repeat(id: string, seconds: number): void {
    const timer = this.#clock.setTimeout(() => {
      this.#repeats.delete(id);
      const s = this.#shown;
      const item = s?.cue.items.find((i) => i.id === id);
      if (this.#closed || !s || !s.choice.on || !item) return;
      // Never over something else being said: try again at the next interval.
      if (this.#turn === null) this.#say(item.lines);
      this.#repeat(id, seconds);
    }, seconds * 1000);
    this.#repeats.set(id, timer);
  }

  #clearRepeats(): void {
    for (const t of this.#repeats.values()) this.#clock.clearTimeout(t);
    this.#repeats.clear();
  }

  #refused(reason: GuardReason): void {
    this.#state.counts.refused++;
    // The reason and where, never the text.
    this.#o.log.warn({ reason, screen: this.#shown?.cue.screen ?? null }, 'voice guidance: an utterance was refused by the privacy guard');
  }

  #setState(state: VoiceState, detail: string | null): void {
    if (this.#state.state === 'disabled') return;
    const was = this.#state.state;
    if (was === state) {
      this.#state.detail = detail; // the same trouble in other words: not logged again
      return;
    }
    this.#state = { ...this.#state, state, detail, since: this.#now() };
    if (state === 'ready') {
      if (was !== 'unknown') this.#o.log.info({ engine: this.#state.engine, was }, 'voice guidance: speaking again');
    } else {
      this.#o.log.warn({ engine: this.#state.engine, state, detail }, 'voice guidance unavailable: the kiosk keeps working without sound');
    }
    this.#status.emit(this.status());
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}
