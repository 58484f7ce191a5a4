import { fc, test as ftest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { withCheckDigit } from '../../../../drivers/id-card/protocol/checkdigit.js';
import { Redactor } from '../../../../main/core/logging.js';
import { GuardedSpeech, SpeechGuard, digitsOf, hasIdNumberShape } from '../../../../main/core/voice/guard.js';
import { ManualSpeech } from '../../../helpers/fake-speech.js';

const ZH_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const EN_DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

const digits = (n: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
/** Valid 18-character resident / residence-permit / 2023 foreign card numbers. */
const id18 = digits(17).map(withCheckDigit);
const anyIdNumber = fc.oneof(
  id18,
  digits(15), // first-generation ID cards
  fc.tuple(fc.constantFrom('ABC', 'USA', 'GBR', 'FRA'), digits(12)).map(([a, d]) => a + d), // old foreign permanent card
  fc.tuple(fc.constantFrom('H', 'M'), digits(8)).map(([a, d]) => a + d), // HK/Macao pass
  digits(11).map((d) => `1${d.slice(1)}`), // a phone number
);

/** The ways a number can end up in a sentence. */
const spokenForm = (id: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(id),
    fc.constantFrom(' ', '-', ' - ', '，', '、', '.', '/').chain((sep) =>
      fc.integer({ min: 1, max: 6 }).map((g) => (id.match(new RegExp(`.{1,${g}}`, 'g')) ?? [id]).join(sep)),
    ),
    fc.constant(id.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)))), // full-width
    fc.constant(id.replace(/[0-9]/g, (d) => ZH_DIGITS[Number(d)] ?? d)), // Chinese numerals
    fc.constant([...id].map((c) => (/[0-9]/.test(c) ? EN_DIGITS[Number(c)] : c)).join(' ')), // English words
    fc.constant(`${id.slice(0, 6)}${'*'.repeat(Math.max(1, id.length - 10))}${id.slice(-4)}`), // masked
  );

/** Text around the number: any words, Chinese or English, with or without numbers of their own. */
const around = fc.string({ maxLength: 20 });

describe('speech guard: ID-number shapes', () => {
  ftest.prop([anyIdNumber.chain((id) => spokenForm(id).map((s) => ({ id, s }))), around, around], { numRuns: 1000 })(
    'any identifying number, however written into a sentence, is refused',
    ({ s }, before, after) => {
      const guard = new SpeechGuard(new Redactor());
      const text = `${before}${s}${after}`;
      expect(hasIdNumberShape(text)).toBe(true);
      expect(guard.check({ text })).toEqual({ ok: false, reason: 'id-number-shape' });
    },
  );

  it('ordinary short numbers are spoken: seconds, steps, fees, dates in words', () => {
    const guard = new SpeechGuard(new Redactor());
    for (const text of [
      '为保护您的信息，20 秒后将自动退出',
      '第 3 步，共 7 步',
      '本事项需缴纳费用 15.50 元',
      '预计 2025年1月31日 前办结',
      'Done within 20 working days',
      'This session ends in 15 seconds',
      '请拨打 12345 政务服务热线',
    ]) {
      expect(guard.check({ text }), text).toEqual({ ok: true });
    }
    expect(digitsOf('１１０ １０５-１９４９')).toBe('1101051949');
    expect(digitsOf('one one zero, double five, Done by phone')).toBe('11055, Done by phone');
    expect(hasIdNumberShape('Someone phoned: seventeen, eighteen, nineteen')).toBe(false);
  });
});

describe('speech guard: the session secrets', () => {
  const nameArb = fc.string({ unit: fc.constantFrom(...'马晓燕李明张伟王芳刘洋陈静杨帆赵磊黄丽周杰'), minLength: 2, maxLength: 4 });
  const clean = fc.string({ unit: fc.constantFrom(...'请您好欢迎使用自助终端，。选择事项办理'), maxLength: 12 });

  ftest.prop([nameArb, id18, clean, clean], { numRuns: 500 })('a registered secret is never spoken; the name only where allowed', (name, id, before, after) => {
    const r = new Redactor();
    const address = '宁夏回族自治区银川市兴庆区解放西街1号';
    r.addSecrets([name, id, address]);
    const guard = new SpeechGuard(r);
    // The name without permission: refused.
    expect(guard.check({ text: `${before}${name}${after}` })).toEqual({ ok: false, reason: 'secret' });
    // The greeting may say the name…
    expect(guard.check({ text: `${name}，您好`, allow: [name] })).toEqual({ ok: true });
    // … and nothing else of the citizen's.
    expect(guard.check({ text: `${name}，${address.slice(3, 12)}`, allow: [name] }).ok).toBe(false);
    expect(guard.check({ text: `${before}${id.slice(0, 17).replace(/[0-9]/g, (d) => ZH_DIGITS[Number(d)] ?? d)}${after}`, allow: [name] }).ok).toBe(false);
    // Spaced out or full-width does not hide it.
    expect(guard.check({ text: [...name].join(' ') }).ok).toBe(false);
    r.removeSecrets([name, id, address]);
    expect(guard.check({ text: `${name}，您好` })).toEqual({ ok: true });
  });

  ftest.prop([fc.integer({ min: 0, max: 11 }), clean], { numRuns: 200 })('any 8 characters of the address in a row are refused', (start, before) => {
    const r = new Redactor();
    const address = '宁夏回族自治区银川市兴庆区解放西街1号';
    r.addSecrets([address]);
    const part = [...address].slice(start, start + 8).join('');
    expect(new SpeechGuard(r).check({ text: `${before}${part}` })).toEqual({ ok: false, reason: 'secret' });
  });

  ftest.prop([fc.string({ minLength: 2, maxLength: 12 }).filter((s) => /\p{L}.*\p{L}/u.test(s)), fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })], { numRuns: 500 })(
    "the moment's secrets (field values, acceptance number) are refused wherever they sit",
    (value, before, after) => {
      const guard = new SpeechGuard(new Redactor());
      expect(guard.check({ text: `${before}${value}${after}`, secrets: [value] }).ok).toBe(false);
      expect(guard.check({ text: `${before}${value.toUpperCase()}${after}`, secrets: [value] }).ok).toBe(false);
    },
  );
});

describe('guarded speech', () => {
  it('a refused utterance never reaches the engine, and says why', async () => {
    const engine = new ManualSpeech();
    const reasons: string[] = [];
    const r = new Redactor();
    r.addSecrets(['马晓燕']);
    const speech = new GuardedSpeech(engine, new SpeechGuard(r), (reason) => reasons.push(reason));
    const opts = { locale: 'zh-CN' as const, volume: 50, rate: 1 };
    expect(await speech.speak({ text: '您的证件号码是 11010519491231002X' }, opts)).toBe('refused');
    expect(await speech.speak({ text: '马晓燕，请选择事项' }, opts)).toBe('refused');
    expect(engine.utterances).toHaveLength(0);
    expect(reasons).toEqual(['id-number-shape', 'secret']);
    const ok = speech.speak({ text: '马晓燕，您好', allow: ['马晓燕'] }, opts);
    const [u] = await engine.started(1);
    u?.finish();
    expect(await ok).toBe('spoken');
    expect(engine.texts).toEqual(['马晓燕，您好']);
  });
});
