import { z } from 'zod';
import { LocalText, MatterList, MatterOutcome, MatterView } from './matters.js';
import { CaseQueryView } from './cases.js';
import { VoiceChoice } from './voice.js';

export const Locale = z.enum(['zh-CN', 'en']);
export type Locale = z.infer<typeof Locale>;

/** Two separate switches, both reset for every citizen (the session machine's wipe). */
export const Display = z.object({
  /**
   * Elder mode (长辈模式): large text (body ≥ 30 px, headings larger), slower timeouts (the profile's
   * idle.elder: the idle timeout at least doubled), one thing per screen (the matter list in pages, the
   * form one field at a time), voice guidance turned on when it is switched on.
   */
  largeText: z.boolean(),
  /** High contrast colours, with or without elder mode. */
  highContrast: z.boolean(),
});
export type Display = z.infer<typeof Display>;

export const CardType = z.enum(['resident', 'hk-mo-tw-residence', 'foreign-permanent', 'foreign-permanent-2023']);
export type CardType = z.infer<typeof CardType>;

/** What the screen may know about the citizen: never the full ID number, never the address or photo. */
export const CitizenView = z.object({
  name: z.string().min(1).max(80),
  /** At most the first 6 and last 4 characters visible, the rest '*'. */
  maskedId: z.string().regex(/^[0-9A-Za-z]{0,6}\*+[0-9A-Za-z]{0,4}$/),
  cardType: CardType,
  /** Things the citizen (and staff) should know about the card: expired, or an ID number that fails its check digit. */
  notices: z.array(z.enum(['expired', 'id-check-failed'])),
});
export type CitizenView = z.infer<typeof CitizenView>;

/**
 * attract: nobody identified; welcome: identified, the matter list; matter: a matter runs;
 * finished: goodbye (card reminder); out-of-service; query: the case query (查询办件, cases.ts).
 */
export const Screen = z.enum(['attract', 'welcome', 'matter', 'finished', 'out-of-service', 'query']);
export type Screen = z.infer<typeof Screen>;

export const IdleView = z.object({
  /** Seconds until the session is wiped. */
  secondsLeft: z.number().int().nonnegative(),
});

export const SiteType = z.enum(['service-hall', 'bank-branch']);
export type SiteType = z.infer<typeof SiteType>;

export const TerminalView = z.object({
  id: z.string(),
  siteName: z.string(),
  siteType: SiteType,
});

/** The one view the core pushes; the renderer renders it and nothing else. */
export const SessionView = z.object({
  /** Increases with every push, so a late view never overwrites a newer one. */
  seq: z.number().int().nonnegative(),
  screen: Screen,
  locale: Locale,
  display: Display,
  /** Voice guidance as the citizen set it (reset for each citizen, like locale and display). See voice.ts. */
  voice: VoiceChoice,
  citizen: CitizenView.nullable(),
  /** Present while the inactivity warning counts down. */
  idleWarning: IdleView.nullable(),
  /** The ID card is still on the reader (reminded at the end of a session). */
  cardOnReader: z.boolean(),
  terminal: TerminalView,
  /** Why the terminal is out of service, in words for staff (screen 'out-of-service' only). */
  outOfServiceReason: z.string().nullable(),
  /** The matters this terminal offers, grouped by category (screen 'welcome' only). See matters.ts. */
  matters: MatterList.nullable(),
  /** The running matter and its current step (screen 'matter' only). */
  matter: MatterView.nullable(),
  /** The matter just finished (screen 'finished' only; null when none was submitted). */
  outcome: MatterOutcome.nullable(),
  /**
   * Screen 'attract' only: a matter interrupted when the kiosk restarted waits for its citizen — "put your ID
   * card back on the reader to continue <matter>" (crash resume; the card must be the same holder's).
   */
  resumable: z.object({ matter: LocalText }).nullable().optional(),
  /** The case query (screen 'query' only). See cases.ts. */
  query: CaseQueryView.nullable().optional(),
});
export type SessionView = z.infer<typeof SessionView>;
