import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import type { SpawnFn } from '../../main/core/voice/espeak.js';
import type { SpeakOptions, SpeakOutcome, TextToSpeech } from '../../main/core/voice/tts.js';
import { SpeechError, UtteranceQueue } from '../../main/core/voice/tts.js';

/** A spawned process that does nothing until the test ends it (or it is killed). */
export class FakeChild extends EventEmitter {
  readonly stdin = new PassThrough();
  readonly stderr = new PassThrough();
  readonly kills: string[] = [];
  input = '';
  exited = false;
  constructor(
    readonly command: string,
    readonly args: readonly string[],
  ) {
    super();
    this.stdin.setEncoding('utf8');
    this.stdin.on('data', (c: string) => (this.input += c));
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.kills.push(signal);
    this.exit(null, signal);
    return true;
  }
  /** Ends the process as the real one would: stderr first, then 'close'. */
  exit(code: number | null, signal: NodeJS.Signals | null = null, stderr = ''): void {
    if (this.exited) return;
    this.exited = true;
    if (stderr) this.stderr.write(stderr);
    this.stderr.end();
    setImmediate(() => this.emit('close', code, signal));
  }
}

/** A spawn that records its children; `next()` waits for the next one. */
export function fakeSpawn(): { spawn: SpawnFn; children: FakeChild[]; next: () => Promise<FakeChild> } {
  const children: FakeChild[] = [];
  const waiting: ((c: FakeChild) => void)[] = [];
  const spawn: SpawnFn = (command, args) => {
    const c = new FakeChild(command, args);
    children.push(c);
    waiting.shift()?.(c);
    return c as unknown as ChildProcess;
  };
  let taken = 0;
  const next = (): Promise<FakeChild> => {
    const i = taken++;
    const have = children[i];
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => waiting.push(resolve));
  };
  return { spawn, children, next };
}

export interface HeldUtterance {
  text: string;
  opts: SpeakOptions;
  /** Settles when the utterance ended: spoken (released) or canceled. */
  ended: Promise<SpeakOutcome>;
  outcome: SpeakOutcome | 'failed' | null;
  /** Lets it finish as if heard to the end. */
  finish(): void;
  fail(e: SpeechError): void;
}

/**
 * An engine whose utterances last until the test finishes them or the speaker cancels them: what the
 * guide says, in which order, and which were cut off — with no clock involved.
 */
export class ManualSpeech implements TextToSpeech {
  readonly engine = 'manual';
  readonly utterances: HeldUtterance[] = [];
  readonly #queue = new UtteranceQueue();
  readonly #waiters = new Set<() => void>();
  /** When set, every utterance fails with this at once. */
  failWith: SpeechError | null = null;
  /** When true, every utterance is heard to the end at once (for tests that only look at what was said). */
  autoFinish = false;

  speak(text: string, opts: SpeakOptions, signal?: AbortSignal): Promise<SpeakOutcome> {
    return this.#queue.run(signal, () => {
      let settle!: (o: SpeakOutcome) => void;
      let failNow!: (e: SpeechError) => void;
      const ended = new Promise<SpeakOutcome>((resolve, reject) => {
        settle = resolve;
        failNow = reject;
      });
      const u: HeldUtterance = {
        text,
        opts,
        ended,
        outcome: null,
        finish: () => {
          if (u.outcome === null) {
            u.outcome = 'spoken';
            settle('spoken');
          }
        },
        fail: (e) => {
          if (u.outcome === null) {
            u.outcome = 'failed';
            failNow(e);
          }
        },
      };
      ended.catch(() => undefined);
      signal?.addEventListener(
        'abort',
        () => {
          if (u.outcome === null) {
            u.outcome = 'canceled';
            settle('canceled');
          }
        },
        { once: true },
      );
      this.utterances.push(u);
      for (const w of [...this.#waiters]) w();
      if (this.failWith) u.fail(this.failWith);
      else if (this.autoFinish) u.finish();
      return ended;
    });
  }

  /** Resolves once `count` utterances have started. */
  started(count: number): Promise<HeldUtterance[]> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.utterances.length >= count) {
          this.#waiters.delete(check);
          resolve(this.utterances.slice());
        }
      };
      this.#waiters.add(check);
      check();
    });
  }

  get texts(): string[] {
    return this.utterances.map((u) => u.text);
  }

  async close(): Promise<void> {
    for (const u of this.utterances) u.finish();
  }
}

export { SpeechError };
