import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import type { SessionView } from '../../../main/contract/index.js';
import { SessionView as SessionViewSchema } from '../../../main/contract/index.js';
import { createLogging } from '../../../main/core/logging.js';
import { Profile } from '../../../main/core/profile.js';
import { SessionService, chinaToday, citizenViewOf } from '../../../main/core/session-service.js';
import { FakeReader, LI, ZHANG } from '../../helpers/fake-reader.js';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'session-'));
  const logging = createLogging({ dir, level: 'debug', maxFileBytes: 1 << 20, maxFiles: 2 });
  const reader = new FakeReader();
  const clock = new SimulatedClock();
  const profile = Profile.parse({ idle: { timeoutSeconds: 20, warningSeconds: 5, goodbyeSeconds: 4 } });
  const service = new SessionService({ profile, reader, redactor: logging.redactor, log: logging.logger, clock });
  const views: SessionView[] = [];
  service.onView((v) => views.push(v));
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += 250) clock.increment(250);
  };
  const logs = () => {
    logging.close();
    return readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
  };
  return { service, reader, views, advance, logs, logger: logging.logger };
}

describe('session service', () => {
  it('pushes only the masked view; the full record stays in the core for the session only', () => {
    const { service, reader, views } = setup();
    reader.place(ZHANG);
    const v = service.view();
    expect(v.screen).toBe('welcome');
    expect(v.citizen).toEqual({ name: ZHANG.name, maskedId: '110105********002X', cardType: 'resident', notices: [] });
    expect(JSON.stringify(views)).not.toContain(ZHANG.idNumber);
    expect(JSON.stringify(views)).not.toContain(ZHANG.address);
    expect(service.currentRecord?.idNumber).toBe(ZHANG.idNumber);
    for (const view of views) expect(SessionViewSchema.safeParse(view).success).toBe(true);
    service.finish();
    service.dismiss();
    expect(service.currentRecord).toBeNull();
    expect(service.view().citizen).toBeNull();
    service.stop();
  });

  it('tells the citizen when the card has expired or its number fails the check digit', () => {
    const today = '2026-11-28';
    expect(citizenViewOf({ ...ZHANG, validTo: '2026-11-27' }, today).notices).toEqual(['expired']);
    expect(citizenViewOf({ ...ZHANG, validTo: '2026-11-28' }, today).notices).toEqual([]);
    expect(citizenViewOf({ ...ZHANG, validTo: 'long-term', idNumberValid: false }, today).notices).toEqual(['id-check-failed']);
    expect(chinaToday(Date.UTC(2026, 10, 27, 16, 30))).toBe('2026-11-28');
  });

  it('views carry increasing sequence numbers and the idle countdown', () => {
    const { service, reader, views, advance } = setup();
    reader.place(ZHANG);
    advance(15_000);
    expect(service.view().idleWarning).toEqual({ secondsLeft: 5 });
    advance(2_000);
    expect(service.view().idleWarning).toEqual({ secondsLeft: 3 });
    advance(3_000);
    expect(service.view().screen).toBe('attract');
    expect(service.currentRecord).toBeNull();
    const seqs = views.map((v) => v.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    service.stop();
  });

  it('elder mode takes its delays from the profile (idle.elder, else doubled)', () => {
    const { service, reader, advance } = setup();
    service.setDisplay({ largeText: true, highContrast: false });
    reader.place(ZHANG);
    advance(20_000);
    expect(service.view().idleWarning).toBeNull();
    advance(10_000);
    expect(service.view().idleWarning).toEqual({ secondsLeft: 10 });
    advance(10_000);
    expect(service.view().screen).toBe('attract');
    expect(service.view().display).toEqual({ largeText: false, highContrast: false });
    service.stop();
  });

  it('a second card replaces the first citizen', () => {
    const { service, reader } = setup();
    reader.place(ZHANG);
    reader.place(LI);
    expect(service.view().citizen?.name).toBe(LI.name);
    expect(service.currentRecord?.idNumber).toBe(LI.idNumber);
    service.stop();
  });

  it('card removal is reflected in the view and reminded on the goodbye screen', () => {
    const { service, reader } = setup();
    reader.place(ZHANG);
    service.finish();
    expect(service.view()).toMatchObject({ screen: 'finished', cardOnReader: true });
    reader.remove();
    expect(service.view()).toMatchObject({ screen: 'finished', cardOnReader: false });
    service.stop();
  });

  it('no log line holds the name, the ID number or the address, even if code tries to log them', () => {
    const { service, reader, logs, logger } = setup();
    reader.place(ZHANG);
    // A careless future change that logs the record must still not leak it.
    logger.info({ oops: service.currentRecord?.idNumber, also: `${ZHANG.name} lives at ${ZHANG.address}` }, 'careless line');
    service.finish();
    service.dismiss();
    service.stop();
    const text = logs();
    expect(text).toContain('session started');
    expect(text).toContain('careless line');
    expect(text).not.toContain(ZHANG.idNumber);
    expect(text).not.toContain(ZHANG.name);
    expect(text).not.toContain(ZHANG.address);
  });
});
