/**
 * The accessibility floor measured on the page as it is rendered, not judged by eye (issue 12, fact sheet
 * matters-ratings-ecert.md §7): computed styles and layout boxes of every text node and every control.
 *
 *  - text size: every visible text node at least `minTextPx` (18 px; elder mode 30 px), headings larger
 *    than the body in elder mode;
 *  - contrast: every visible text node against its effective background (the backgrounds under it
 *    composited, its own and its ancestors' opacity applied) at least 4.5:1, 3:1 for large text
 *    (WCAG: ≥ 24 px, or ≥ 18.66 px bold); text of a disabled control is exempt (WCAG 1.4.3);
 *  - touch targets: every visible control (buttons, links, fields, radios, keyboard keys, a checkbox's
 *    label) at least 60 × 60 px, and nothing drawn over it (what is hit at its centre is the control);
 *  - no wrapping: no text node inside a button-like control laid out on more than one line (its line
 *    boxes, Range.getClientRects), none overflowing its control, and no page-level scrolling either way.
 *
 * While a modal dialog is open only the dialog is read (the page behind it is inert and dimmed).
 */
import type { Page } from '@playwright/test';

export interface FloorRules {
  /** The smallest font size any text may have, in CSS px. */
  minTextPx: number;
  /** Elder mode: level-1 headings must be larger than the body text. */
  headingsLarger: boolean;
}

export const NORMAL_FLOOR: FloorRules = { minTextPx: 18, headingsLarger: false };
export const ELDER_FLOOR: FloorRules = { minTextPx: 30, headingsLarger: true };

export interface FloorReport {
  problems: string[];
  /** How many text nodes and controls were measured (a check that measured nothing proves nothing). */
  texts: number;
  controls: number;
  /** The smallest text size and contrast found. */
  smallestTextPx: number;
  lowestContrast: number;
}

/** Measures the floor on the page; returns every breach in words (empty: all good). */
export async function measureFloor(page: Page, rules: FloorRules): Promise<FloorReport> {
  return page.evaluate((r) => {
    type Rgba = [number, number, number, number];
    const problems: string[] = [];
    const parse = (c: string): Rgba | null => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m?.[1]) return null;
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p.length > 3 ? (p[3] ?? 1) : 1];
    };
    /** `top` drawn over an opaque `bottom`. */
    const over = (top: Rgba, bottom: Rgba): Rgba => {
      const a = top[3];
      return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
    };
    const lum = (c: Rgba) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2]);
    };
    const ratio = (a: Rgba, b: Rgba) => {
      const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
      return (hi + 0.05) / (lo + 0.05);
    };
    const describe = (el: Element) => {
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${cls}`;
    };
    const shown = (el: Element): boolean => {
      if (!(el as HTMLElement).checkVisibility?.({ checkOpacity: true, checkVisibilityCSS: true })) return false;
      const rect = el.getBoundingClientRect();
      // Visually hidden (for screen readers only): a 1 px clipped box.
      return rect.width > 1 && rect.height > 1;
    };
    /** The background a text of `el` is drawn on: every background below it composited, page white at the bottom. */
    const backgroundOf = (el: Element): Rgba | 'image' => {
      const layers: Rgba[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.backgroundImage !== 'none') return 'image';
        const c = parse(s.backgroundColor);
        if (c && c[3] > 0) {
          layers.push(c);
          if (c[3] >= 1) break;
        }
      }
      let out: Rgba = [255, 255, 255, 1];
      for (const l of layers.reverse()) out = over(l, out);
      return out;
    };
    const opacityOf = (el: Element) => {
      let o = 1;
      for (let e: Element | null = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
      return o;
    };

    /** The point lies outside what a scrolling region around `el` shows now (reached by scrolling, not covered). */
    const scrolledAway = (el: Element, x: number, y: number): boolean => {
      for (let e = el.parentElement; e; e = e.parentElement) {
        const o = getComputedStyle(e);
        if (/(auto|scroll|hidden)/.test(o.overflowX + o.overflowY)) {
          const q = e.getBoundingClientRect();
          if (x < q.left || x > q.right || y < q.top || y > q.bottom) return true;
        }
      }
      return false;
    };

    const modal = document.querySelector('[aria-modal="true"]');
    const scope: Element = modal ?? document.body;

    // ---- text: size and contrast ----
    let texts = 0;
    let smallest = Infinity;
    let lowest = Infinity;
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    const seen = new Set<Element>();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.textContent?.trim() || seen.has(el)) continue;
      if (el.closest('script,style,noscript,title')) continue;
      if (!shown(el)) continue;
      seen.add(el);
      texts++;
      const s = getComputedStyle(el);
      const size = parseFloat(s.fontSize);
      const words = n.textContent.trim().slice(0, 40);
      smallest = Math.min(smallest, size);
      if (size < r.minTextPx - 0.01) problems.push(`text ${size}px < ${r.minTextPx}px: "${words}" (${describe(el)})`);
      if (el.closest('button:disabled, [aria-disabled="true"]')) continue;
      const bg = backgroundOf(el);
      if (bg === 'image') {
        problems.push(`text on a background image, contrast not measurable: "${words}" (${describe(el)})`);
        continue;
      }
      const fg0 = parse(s.color);
      if (!fg0) continue;
      const fg = over([fg0[0], fg0[1], fg0[2], fg0[3] * opacityOf(el)], bg);
      const c = ratio(fg, bg);
      lowest = Math.min(lowest, c);
      const weight = Number(s.fontWeight) || (s.fontWeight === 'bold' ? 700 : 400);
      const large = size >= 24 || (size >= 18.66 && weight >= 700);
      const need = large ? 3 : 4.5;
      if (c < need) problems.push(`contrast ${c.toFixed(2)}:1 < ${need}:1 (${size}px): "${words}" (${describe(el)} ${s.color} on rgb(${bg.slice(0, 3).map(Math.round).join(',')}))`);
    }

    // ---- headings larger than the body ----
    if (r.headingsLarger) {
      const body = parseFloat(getComputedStyle(document.documentElement).fontSize);
      if (body < r.minTextPx) problems.push(`body text ${body}px < ${r.minTextPx}px`);
      for (const h of Array.from(scope.querySelectorAll('h1'))) {
        if (!shown(h)) continue;
        const size = parseFloat(getComputedStyle(h).fontSize);
        if (size <= body) problems.push(`heading "${h.textContent?.trim().slice(0, 30)}" ${size}px is not larger than the body's ${body}px`);
      }
    }

    // ---- controls: touch targets ----
    const CONTROLS = 'button, a[href], input, textarea, select, [role="button"], [role="radio"], [role="checkbox"], [role="tab"], [role="link"], [role="option"]';
    let controls = 0;
    for (const el of Array.from(scope.querySelectorAll(CONTROLS))) {
      if (!shown(el)) continue;
      // A checkbox or radio input is hit through its label.
      const target = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? (el.closest('label') ?? el) : el;
      controls++;
      const b = target.getBoundingClientRect();
      const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30) || describe(el);
      if (b.width < 60 - 0.5 || b.height < 60 - 0.5) problems.push(`target ${Math.round(b.width)}×${Math.round(b.height)} px < 60 px: "${name}" (${describe(el)})`);
      // Nothing drawn over it (a banner, a toast, another panel): what a finger hits at its centre is the control.
      const cx = b.left + b.width / 2;
      const cy = b.top + b.height / 2;
      if (cx < 0 || cy < 0 || cx >= window.innerWidth || cy >= window.innerHeight || scrolledAway(target, cx, cy)) continue;
      const hit = document.elementFromPoint(cx, cy);
      if (hit && hit !== target && !target.contains(hit) && !hit.contains(target)) problems.push(`covered: "${name}" (${describe(el)}) lies under ${describe(hit)} "${(hit.textContent ?? '').trim().slice(0, 30)}"`);
    }

    // ---- button-like controls: their words on one line, inside the control ----
    const BUTTONS = 'button, [role="button"], [role="radio"], [role="tab"], a[href]';
    for (const el of Array.from(scope.querySelectorAll(BUTTONS))) {
      if (!shown(el)) continue;
      const box = el.getBoundingClientRect();
      const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30);
      const tw = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = tw.nextNode(); n; n = tw.nextNode()) {
        if (!n.textContent?.trim() || !n.parentElement || !shown(n.parentElement)) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        const rects = Array.from(range.getClientRects()).filter((q) => q.width > 0.5);
        let lines = 0;
        let bottom = -Infinity;
        for (const q of rects.sort((a, b) => a.top - b.top)) {
          if (q.top >= bottom - 2) {
            lines++;
            bottom = q.bottom;
          } else bottom = Math.max(bottom, q.bottom);
        }
        if (lines > 1) problems.push(`words wrap onto ${lines} lines in "${name}": "${n.textContent.trim().slice(0, 30)}"`);
        const out = rects.find((q) => q.left < box.left - 1 || q.right > box.right + 1);
        if (out) problems.push(`words stick out of "${name}": "${n.textContent.trim().slice(0, 30)}" (${Math.round(out.left)}–${Math.round(out.right)} outside ${Math.round(box.left)}–${Math.round(box.right)})`);
      }
      if ((el as HTMLElement).scrollWidth > (el as HTMLElement).clientWidth + 1) problems.push(`words overflow "${name}" (${(el as HTMLElement).scrollWidth} > ${(el as HTMLElement).clientWidth})`);
    }

    // ---- the page itself never scrolls (regions inside it may) ----
    const doc = document.scrollingElement ?? document.documentElement;
    if (doc.scrollWidth > window.innerWidth + 1) problems.push(`the page scrolls sideways (${doc.scrollWidth} > ${window.innerWidth})`);
    if (doc.scrollHeight > window.innerHeight + 1) problems.push(`the page scrolls (${doc.scrollHeight} > ${window.innerHeight})`);

    return { problems, texts, controls, smallestTextPx: smallest, lowestContrast: lowest };
  }, rules);
}
