import { RATING_LEVELS, type CaseQueryPhase, type CitizenView, type LocalText, type Locale, type Screen, type StepKind, type StepViewOf } from '../../contract/index.js';

/**
 * Every word the kiosk speaks, in both languages: the one phrase table of voice guidance. cues.ts
 * composes a session view into what to say from these; nothing else in the core makes up speech.
 *
 * Rules for the words:
 *  - Mandarin text keeps Latin letters out (the Mandarin voice reads them as pinyin): 身份证, not ID.
 *  - Numbers that matter are spelled for the ear: amounts as 十五元五角, dates as 二〇二五年一月九日.
 *  - Never the citizen's data: no ID number, no field value, no address, no acceptance number, no
 *    e-certificate title — "shown on the screen" instead. Only the greeting says the name.
 *  - The names of controls are the ones on screen (下一步, 提交, 我承诺, the five rating levels).
 */

export type Words = LocalText;
const t = (zh: string, en: string): Words => ({ 'zh-CN': zh, en });

/** The phase enum of a step kind that has one (never for one that has none). */
export type PhaseOf<K extends StepKind> = StepViewOf<K> extends { phase: infer P extends string } ? P : never;
/** A step's words: fixed, or made from the step (amounts, what comes next). */
export type StepWords<K extends StepKind> = Words | ((step: StepViewOf<K>, next: StepKind | null) => Words);
/** One entry per step kind, and per phase where the kind has phases: a new phase in the contract fails to compile here. */
export type StepPhraseTable = { [K in StepKind]: [PhaseOf<K>] extends [never] ? StepWords<K> : { [P in PhaseOf<K>]: StepWords<K> } };

// ---- numbers for the ear ----

const ZH_DIGIT = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 0 ≤ n < 100 000 000 in Chinese words: 15 → 十五, 1001 → 一千零一, 20 500 → 二万零五百. */
export function zhNumber(n: number): string {
  const v = Math.max(0, Math.min(99_999_999, Math.trunc(n)));
  if (v === 0) return '零';
  const section = (x: number, leading: boolean): string => {
    const units = ['千', '百', '十', ''];
    const ds = [Math.floor(x / 1000), Math.floor(x / 100) % 10, Math.floor(x / 10) % 10, x % 10];
    let out = '';
    let zero = false;
    ds.forEach((d, i) => {
      if (d === 0) {
        if (out) zero = true;
        return;
      }
      if (zero) out += '零';
      zero = false;
      // 十五, not 一十五, at the head of the number.
      out += leading && out === '' && i === 2 && d === 1 ? '十' : `${ZH_DIGIT[d]}${units[i]}`;
    });
    return out;
  };
  const high = Math.floor(v / 10_000);
  const low = v % 10_000;
  if (high === 0) return section(low, true);
  return `${section(high, true)}万${low === 0 ? '' : `${low < 1000 ? '零' : ''}${section(low, false)}`}`;
}

/** An amount in fen, for the ear: 1550 → 十五元五角 / 15.50 yuan. */
export function amountWords(fen: number): Words {
  const yuan = Math.floor(fen / 100);
  const jiao = Math.floor((fen % 100) / 10);
  const f = fen % 10;
  let zh = yuan > 0 ? `${zhNumber(yuan)}元` : '';
  if (jiao > 0) zh += `${ZH_DIGIT[jiao]}角`;
  if (f > 0) zh += `${yuan > 0 && jiao === 0 ? '零' : ''}${ZH_DIGIT[f]}分`;
  if (zh === '') zh = '零元';
  const en = fen % 100 === 0 ? `${yuan} yuan` : `${yuan}.${String(fen % 100).padStart(2, '0')} yuan`;
  return t(zh, en);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** YYYY-MM-DD for the ear: 二〇二五年一月九日 / 9 January 2025 (the year digit by digit, as it is said). */
export function dateWords(date: string): Words | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [m[1] ?? '', Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const year = [...y].map((c) => (c === '0' ? '〇' : ZH_DIGIT[Number(c)])).join('');
  return t(`${year}年${zhNumber(mo)}月${zhNumber(d)}日`, `${d} ${MONTHS[mo - 1]} ${Number(y)}`);
}

function join(...parts: (Words | null | false | undefined)[]): Words {
  const ws = parts.filter((p): p is Words => !!p);
  return t(ws.map((w) => w['zh-CN']).join(''), ws.map((w) => w.en).join(' '));
}

const ratingLevels = t(RATING_LEVELS.map((l) => l.label['zh-CN']).join('、'), RATING_LEVELS.map((l) => l.label.en).join(', '));

// ---- the table ----

export const PHRASES = {
  /** What each screen says when it appears. */
  screens: {
    attract: t('欢迎使用宁夏政务服务自助终端。请将身份证放在读卡区，开始办理。', 'Welcome to the Ningxia government services kiosk. Please place your ID card on the reader to begin.'),
    welcome: {
      /** The greeting by name: the only utterance that may say it. */
      greeting: (name: string | null): Words => t(name ? `${name}，您好。` : '您好。', name ? `Hello, ${name}.` : 'Hello.'),
      verified: t('身份已核验。', 'Your identity is verified.'),
      choose: t('请选择要办理的事项。', 'Please choose a service.'),
      none: t('本终端暂无可办理的事项，请到窗口办理。', 'No services are available at this terminal. Please go to a service window.'),
      finishHint: t('办理完成后，请点击结束办理，并取走身份证。', 'When you are done, press Finish and take your ID card.'),
    },
    matter: {
      /** Said with the matter's first step. */
      chosen: (name: Words): Words => t(`您选择了：${name['zh-CN']}。`, `You chose: ${name.en}.`),
      progress: (n: number, of: number): Words => t(`第${zhNumber(n)}步，共${zhNumber(of)}步。`, `Step ${n} of ${of}.`),
    },
    finished: {
      accepted: t('办理完成，您的申请已受理，感谢使用。', 'All done: your application has been accepted. Thank you.'),
      ended: t('已结束办理，本次信息已清除，感谢使用。', 'Your session has ended and your information has been cleared. Thank you.'),
      belongings: t('请带好您的回执和随身物品。', 'Please take your receipt and your belongings.'),
    },
    'out-of-service': t('本终端暂停服务，请到其他终端或窗口办理。', 'This terminal is out of service. Please use another terminal or a service window.'),
    /**
     * The case query (查询办件), by phase. Never a case's number, matter or state aloud (the citizen's data, and
     * whoever stands near hears it): "on the screen" instead.
     */
    query: {
      choose: t(
        '查询办件。请将身份证放在读卡区，查询您本人的申请；或者在数字键盘上输入回执上的受理编号。',
        'Case query. Place your ID card on the reader to see your own applications, or type the acceptance number from your receipt on the digit pad.',
      ),
      'looking-up': t('正在查询，请稍候。', 'Looking it up, please wait.'),
      list: t('查询结果显示在屏幕上。请点击要查看的一件申请。', 'The applications found are on the screen. Press one to see it.'),
      case: t('这件申请的办理状态和下一步怎么做，显示在屏幕上。', 'The state of this application and what to do next are on the screen.'),
      printing: t('正在补打受理回执，请稍候。', 'Printing the acceptance receipt again, please wait.'),
      reasons: t('请选择不满意的原因，可以多选，然后请点击提交评价。', 'Please choose what was not satisfactory, as many as apply, then press Submit rating.'),
      sending: t('正在提交评价。', 'Sending your rating.'),
      'not-found': t('没有查到申请，原因显示在屏幕上。您可以重新输入，或返回。', 'Nothing was found; the screen says why. You can type the number again or go back.'),
      /** The platform cannot be reached: said with the list. */
      offline: t('暂时无法连接政务服务平台，这里只显示本终端知道的情况。', 'The government platform cannot be reached: only what this terminal knows is shown.'),
      /** The offer to rate a case, with the five levels. */
      rate: t(`您可以对这件申请作出评价：${ratingLevels['zh-CN']}。`, `You can rate this application: ${ratingLevels.en}.`),
    } satisfies Record<CaseQueryPhase | 'offline' | 'rate', Words>,
  } satisfies Record<Screen, unknown>,

  /** What each step says, by kind and phase. `next` is the step that follows (null: the last). */
  steps: {
    notice: (s) =>
      join(
        t('请阅读办理须知，了解所需材料和办理时限。', 'Please read what you need to know: the documents needed and the time limit.'),
        s.processing.kind === 'immediate'
          ? t('本事项即办，当场办结。', 'This is done on the spot.')
          : t(`本事项${zhNumber(s.processing.workingDays)}个工作日内办结。`, `This is done within ${s.processing.workingDays} working days.`),
        s.fee ? t(`收费${amountWords(s.fee.amountFen)['zh-CN']}。`, `The fee is ${amountWords(s.fee.amountFen).en}.`) : t('本事项不收费。', 'There is no fee.'),
        t('阅读后，请点击下一步。', 'When you have read it, press Next.'),
      ),
    form: t('请核对并填写申请信息，从身份证读取的内容无需修改。填写完成后，请点击下一步。', 'Please check and complete the form. What was read from your ID card needs no change. When you are done, press Next.'),
    commitment: (s) =>
      join(
        t('请阅读告知承诺书。同意以上承诺，请点击我承诺。', 'Please read the commitment. If you agree, press I commit.'),
        !s.required && t('如不作承诺，可以改为提交证明材料。', 'If you do not wish to commit, you can provide the documents instead.'),
      ),
    materials: {
      'looking-up': t('正在查询您的电子证照，请稍候。', 'Looking up your e-certificates, please wait.'),
      ready: t('请按屏幕提示逐项提交所需材料，全部提交后，请点击下一步。', 'Please provide each document as the screen shows, then press Next.'),
      scanning: t('正在扫描，请勿移动材料。', 'Scanning. Please do not move the document.'),
    },
    fee: {
      ready: (s) => t(`本事项需缴纳${s.item['zh-CN']}${amountWords(s.amountFen)['zh-CN']}。请点击开始缴费。`, `The fee${s.item.en ? ` for ${s.item.en}` : ''} is ${amountWords(s.amountFen).en}. Press Pay to begin.`),
      paying: t('请在缴费设备上按提示付款。', 'Please pay on the payment pad as it shows.'),
      approved: t('缴费成功。', 'Payment received.'),
      declined: t('缴费未成功，没有扣款。您可以重新缴费，或取消办理。', 'The payment did not go through and nothing was charged. You can try again or cancel.'),
      failed: t('缴费未能完成。', 'The payment could not be completed.'),
    },
    submit: {
      confirm: t('请核对申请信息，确认无误后，请点击提交。', 'Please check your application. If it is correct, press Submit.'),
      submitting: t('正在提交申请，请稍候。', 'Submitting your application, please wait.'),
      accepted: (s, next) => {
        const a = s.accepted;
        const due = a?.promisedDate ? dateWords(a.promisedDate) : null;
        return join(
          t('申请已受理。受理编号显示在屏幕上，请妥善保存。', 'Your application has been accepted. The acceptance number is on the screen; please keep it.'),
          a?.offline && t('联网后将自动提交，无需再次办理。', 'It will be sent automatically once the platform is reachable; you need not apply again.'),
          due && t(`预计${due['zh-CN']}前办结。`, `It should be done by ${due.en}.`),
          next !== 'print' && t('请点击下一步。', 'Press Next.'),
        );
      },
      failed: t('提交未成功，请重试，或到窗口办理。', 'The application could not be submitted. Please try again or go to a service window.'),
    },
    print: {
      printing: t('正在打印受理回执，请稍候。', 'Printing your acceptance receipt, please wait.'),
      printed: (_s, next) =>
        join(
          t('受理回执已打印，请从出纸口取走回执。', 'Your receipt has been printed. Please take it from the slot.'),
          next === 'review' ? t('然后请点击下一步，对本次服务作出评价。', 'Then press Next to rate this service.') : t('然后请点击下一步。', 'Then press Next.'),
        ),
      failed: t('回执暂时无法打印，您的申请已经受理。', 'The receipt cannot be printed, but your application has been accepted.'),
    },
    review: {
      choosing: t(`请对本次服务作出评价：${ratingLevels['zh-CN']}。`, `Please rate this service: ${ratingLevels.en}.`),
      reasons: t('请选择不满意的原因，可以多选，然后请点击提交评价。', 'Please choose what was not satisfactory, as many as apply, then press Submit rating.'),
      sending: t('正在提交评价。', 'Sending your rating.'),
      failed: t('评价未能保存。', 'Your rating could not be saved.'),
    },
  } satisfies StepPhraseTable,

  /** Things that appear on a screen: spoken when they appear, cut off with the screen. */
  items: {
    idleWarning: (seconds: number): Words =>
      t(`您还在吗？为保护您的信息，${zhNumber(seconds)}秒后将自动退出。如需继续办理，请触摸屏幕。`, `Are you still there? To protect your information, this session ends in ${seconds} seconds. Touch the screen to continue.`),
    takeCard: t('请取走您的身份证。', 'Please take your ID card.'),
    cancelConfirm: t('确定要取消办理吗？取消后，本次填写的信息将被清除，申请不会提交。', 'Cancel this application? What you entered will be erased and nothing will be submitted.'),
    notices: {
      expired: t('您的证件已过期，部分事项可能无法办理，请到窗口咨询。', 'Your card has expired: some services may not be available. Please ask at a service window.'),
      'id-check-failed': t('证件号码校验未通过，请到窗口核实。', 'The number on your card failed its check. Please ask at a service window.'),
    } satisfies Record<CitizenView['notices'][number], Words>,
    willQueue: t('政务服务平台暂时无法连接，本次申请将离线受理，联网后自动提交，无需再次办理。', 'The government platform cannot be reached: your application will be accepted offline and sent automatically later.'),
    certificateOffer: t('政务服务平台有您的电子证照，可以直接使用，请在屏幕上确认。', 'The platform holds an e-certificate of yours that can be used instead; please confirm on the screen.'),
    certificatesUnavailable: t('暂时无法查询电子证照，请扫描材料或使用承诺。', 'E-certificates cannot be looked up now; scan the document or use the commitment.'),
    /** Before several errors that appear at once (Next pressed on a form with problems). */
    errorsIntro: (n: number): Words => t(`有${zhNumber(n)}项需要修改。`, `${n} items need correcting.`),
    /** A field's error: its label, then the error (unless the error already names the field). */
    fieldError: (label: Words, error: Words): Words =>
      t(error['zh-CN'].includes(label['zh-CN']) ? error['zh-CN'] : `${label['zh-CN']}：${error['zh-CN']}`, error.en.includes(label.en) ? error.en : `${label.en}: ${error.en}`),
    /**
     * A form field shown by itself (elder mode): where it is among the fields, its label (catalog words, never
     * its value) and how to fill it in.
     */
    fieldShown: (n: number, of: number, label: Words, how: 'type' | 'choose' | 'from-card'): Words =>
      t(
        `第${zhNumber(n)}项，共${zhNumber(of)}项：${label['zh-CN']}。${how === 'type' ? '请用屏幕上的键盘输入。' : how === 'choose' ? '请在屏幕上选择。' : '已从身份证读取，无需修改。'}`,
        `Item ${n} of ${of}: ${label.en}. ${how === 'type' ? 'Type it on the screen keyboard.' : how === 'choose' ? 'Choose on the screen.' : 'Read from your ID card; no change needed.'}`,
      ),
    voiceOn: t('语音播报已开启。', 'Voice guidance is on.'),
    /** The attract screen after a restart of the core: an interrupted application waits for its applicant's card. */
    resumeOffer: t('刚才有一项申请因终端中断尚未办完。申请人请将身份证放回读卡区，继续办理。', 'An application was interrupted when the terminal stopped. The applicant can place their ID card on the reader again to continue.'),
    volume: (percent: number): Words => t(`音量${zhNumber(percent)}。`, `Volume ${percent}.`),
  },
} as const;

/** The text of some words in a locale. */
export function say(w: Words, locale: Locale): string {
  return w[locale];
}
