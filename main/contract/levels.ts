/*
 * Constants of the contract that the citizen page needs at run time, in a module without zod: the renderer
 * imports them from here (its other imports from the contract are types only), so the citizen page's
 * JavaScript carries no schema library. The schemas derive from these (matters.ts, voice.ts).
 */
import type { LocalText } from './matters.js';

/** The five rating levels' keys, in the order shown. */
export const RATING_LEVEL_KEYS = ['very-satisfied', 'satisfied', 'basic', 'dissatisfied', 'very-dissatisfied'] as const;
export type RatingLevelKey = (typeof RATING_LEVEL_KEYS)[number];

/** The five levels in the order shown, with their exact names (the accessible names tests use) and 1-5 scores. */
export const RATING_LEVELS: readonly { level: RatingLevelKey; score: number; label: LocalText; negative: boolean }[] = [
  { level: 'very-satisfied', score: 5, label: { 'zh-CN': '非常满意', en: 'Very satisfied' }, negative: false },
  { level: 'satisfied', score: 4, label: { 'zh-CN': '满意', en: 'Satisfied' }, negative: false },
  { level: 'basic', score: 3, label: { 'zh-CN': '基本满意', en: 'Fairly satisfied' }, negative: false },
  { level: 'dissatisfied', score: 2, label: { 'zh-CN': '不满意', en: 'Dissatisfied' }, negative: true },
  { level: 'very-dissatisfied', score: 1, label: { 'zh-CN': '非常不满意', en: 'Very dissatisfied' }, negative: true },
];

/** The volume steps a control offers (a slider may offer any value 0–100). */
export const VOLUME_STEPS: readonly number[] = [20, 40, 60, 80, 100];
