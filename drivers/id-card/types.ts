import type { Device, Unsubscribe } from '../device.js';

/**
 * The documents a SAM reader reads. Declared here once; main/contract restates the list (it may import
 * only zod) and main/core/contract-enums.ts fails to compile when the two drift apart.
 */
export const CARD_TYPES = ['resident', 'hk-mo-tw-residence', 'foreign-permanent', 'foreign-permanent-2023'] as const;
export type CardType = (typeof CARD_TYPES)[number];

/**
 * One card as read. This is citizen data: it must never reach a log, and the core
 * hands the renderer only a masked view of it.
 */
export interface IdentityRecord {
  cardType: CardType;
  /** Chinese name; for foreign cards without one, the English name. */
  name: string;
  /** English name (foreign permanent resident cards). */
  nameEn?: string;
  gender: 'male' | 'female';
  /** GB 3304 two-digit code; null where the card has none (non-resident cards). */
  nationCode: string | null;
  /** YYYY-MM-DD */
  birthDate: string;
  /** Empty for card types without an address. */
  address: string;
  /** Citizen ID number (resident, J, Y) or permanent residence card number (I). */
  idNumber: string;
  /** GB 11643 check digit holds (for 'I' cards: the 3-letter+12-digit shape holds). */
  idNumberValid: boolean;
  /** Issuing authority (or accepting-authority code for 'I'). */
  issuer: string;
  /** YYYY-MM-DD */
  validFrom: string;
  /** YYYY-MM-DD or 'long-term' (长期). */
  validTo: string;
  /** HK/Macau/Taiwan residence permit: pass number (通行证号码). */
  passNumber?: string;
  /** HK/Macau/Taiwan residence permit: issue count (签发次数); 2023 foreign card: renewal count. */
  issueCount?: number;
  /** Foreign cards: nationality / region code (3 letters). */
  nationality?: string;
  /** Old foreign card: card version. */
  cardVersion?: string;
  /** 2023 foreign card: link to the previous card number. */
  previousCardLink?: string;
  /** The photo as stored on the card: 1024 bytes of WLT (decoded by a vendor library). */
  photo: { format: 'wlt'; bytes: Uint8Array } | null;
}

/** The ID-card driver interface the core depends on; simulated and real readers both implement it. */
export interface IdCardReader extends Device {
  readonly kind: 'id-card';
  /** A card was placed and read. Reported once per placement. */
  onCard(listener: (card: IdentityRecord) => void): Unsubscribe;
  /** The card that was read left the field. */
  onRemoved(listener: () => void): Unsubscribe;
  /** Whether a card that was read is still in the field. */
  readonly cardPresent: boolean;
}

/**
 * How often the reader looks for a card (SamIdCardReader; the profile's devices.idCard.presence defaults to
 * these). The SAM has no "card arrived" notification (fact sheet §1): the host polls find-card. Idle: every
 * 60 ms start to start — a card is noticed within 60 ms plus one exchange (issue 10's goal: ≤ 50 ms median,
 * ≤ 100 ms p95 beyond the wire), with a third fewer polls than at 40 ms for the CPU budget of the idle loop
 * (`npm run bench`, docs/performance.md). With a card on the reader (watching for its removal) and after a
 * failed poll: every 250 ms.
 */
export const PRESENCE_DEFAULTS = { pollMs: 60, presentPollMs: 250 } as const;
