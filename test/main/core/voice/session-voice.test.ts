import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createLogging } from '../../../../main/core/logging.js';
import { Profile } from '../../../../main/core/profile.js';
import { SessionService } from '../../../../main/core/session-service.js';
import { SpeechGuard } from '../../../../main/core/voice/guard.js';
import { VoiceGuide } from '../../../../main/core/voice/guide.js';
import { PHRASES } from '../../../../main/core/voice/phrases.js';
import { WavRecorder } from '../../../../main/core/voice/recorder.js';
import { isAudible } from '../../../../main/core/voice/wav.js';
import { FakeReader, ZHANG } from '../../../helpers/fake-reader.js';

/**
 * A citizen's session through the real session service, spoken by the real espeak-ng into WAV files:
 * every screen has its words, the audio is speech, and the ID number is never among them.
 */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'session-voice-'));
  const logging = createLogging({ dir: join(dir, 'logs'), level: 'debug', maxFileBytes: 1 << 20, maxFiles: 2 });
  const reader = new FakeReader();
  const clock = new SimulatedClock();
  const profile = Profile.parse({ idle: { timeoutSeconds: 20, warningSeconds: 5, goodbyeSeconds: 4 } });
  const session = new SessionService({ profile, reader, redactor: logging.redactor, log: logging.logger, clock });
  const recorder = new WavRecorder({ dir: join(dir, 'wav') });
  const guide = new VoiceGuide({
    speech: recorder,
    guard: new SpeechGuard(logging.redactor),
    log: pino({ level: 'silent' }),
    defaultChoice: { on: profile.voice.defaultOn, volume: profile.voice.volume },
    rate: profile.voice.rate,
    elderRate: profile.voice.elderRate,
    reminderSeconds: profile.voice.reminderSeconds,
    clock,
  });
  session.onView((v) => guide.show(v));
  guide.show(session.view());
  const advance = (ms: number): void => {
    for (let t = 0; t < ms; t += 250) clock.increment(250);
  };
  return { session, reader, recorder, guide, advance };
}

describe('voice guidance of a session (real espeak-ng, WAV files)', () => {
  it('every screen of a session is spoken in Mandarin, audibly, with the card reminder and never the ID number', async () => {
    const { session, reader, recorder, guide, advance } = setup();
    await guide.idle();
    reader.place(ZHANG);
    await guide.idle();
    advance(15_000); // the idle warning appears
    await guide.idle();
    session.activity();
    session.finish();
    await guide.idle();
    advance(4_000); // goodbye over, the card still on the reader: the goodbye screen stays and reminds
    await guide.idle();
    advance(10_000); // and again while it stays
    await guide.idle();
    reader.remove();
    advance(30_000); // taken: the attract screen, no more reminders
    await guide.idle();
    const texts = recorder.utterances.filter((u) => u.outcome === 'spoken').map((u) => u.text);
    expect(texts).toEqual([
      PHRASES.screens.attract['zh-CN'],
      `${ZHANG.name}，您好。`,
      PHRASES.screens.welcome.verified['zh-CN'],
      PHRASES.screens.welcome.choose['zh-CN'],
      PHRASES.items.idleWarning(5)['zh-CN'],
      PHRASES.screens.finished.ended['zh-CN'],
      PHRASES.items.takeCard['zh-CN'],
      PHRASES.items.takeCard['zh-CN'],
      PHRASES.screens.attract['zh-CN'],
    ]);
    for (const u of recorder.utterances) {
      expect(u.text).not.toContain(ZHANG.idNumber);
      expect(isAudible(WavRecorder.levels(u.file ?? '')), u.text).toBe(true);
    }
    await guide.close();
    session.stop();
  });

  it('in English, with the name of a Chinese card left out of the English greeting', async () => {
    const { session, reader, recorder, guide } = setup();
    await guide.idle();
    session.setLocale('en');
    await guide.idle();
    reader.place(ZHANG);
    await guide.idle();
    const spoken = recorder.utterances.filter((u) => u.outcome === 'spoken');
    expect(spoken.map((u) => u.text)).toEqual([PHRASES.screens.attract['zh-CN'], PHRASES.screens.attract.en, 'Hello.', PHRASES.screens.welcome.verified.en, PHRASES.screens.welcome.choose.en]);
    expect(spoken.slice(1).every((u) => u.locale === 'en')).toBe(true);
    await guide.close();
    session.stop();
  });
});
