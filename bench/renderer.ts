/**
 * The citizen page's JavaScript: the renderer built as production builds it (scripts/build.mjs renderer,
 * Vite), then the scripts the citizen page loads at once (its entry and the chunks it preloads) measured raw
 * and gzipped, and searched for what does not belong there: zod (the renderer validates nothing the core has
 * not validated; it imports types only) and the simulator panel (its own page).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BenchRow, BenchSection } from './run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist', 'renderer');

/** Marks of code that must not be on the citizen page. */
const MARKS = {
  zod: [/ZodError/, /\$ZodType/],
  'simulator panel': [/抽出纸卷 Pull paper/],
};

/** The scripts a page loads before it runs: its module entries and their modulepreload links. */
export function pageScripts(htmlFile: string): string[] {
  const html = fs.readFileSync(htmlFile, 'utf8');
  const srcs = [...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1] ?? '');
  return [...new Set(srcs)].filter((s) => s.endsWith('.js')).map((s) => join(DIST, s.replace(/^\//, '')));
}

export const rendererSection: BenchSection = {
  id: 'renderer',
  name: 'Citizen page JavaScript',
  async run(): Promise<BenchRow[]> {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), 'renderer'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const citizen = pageScripts(join(DIST, 'index.html'));
    if (citizen.length === 0) throw new Error('bench: the citizen page loads no script');
    const bytes = (files: string[]): { raw: number; gzip: number; text: string } => {
      const text = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
      return { raw: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length, text };
    };
    const page = bytes(citizen);
    const all = bytes(fs.readdirSync(join(DIST, 'assets')).filter((f) => f.endsWith('.js')).map((f) => join(DIST, 'assets', f)));
    const found = Object.entries(MARKS)
      .filter(([, res]) => res.some((re) => re.test(page.text)))
      .map(([name]) => name);
    const pages = fs.readdirSync(DIST).filter((f) => f.endsWith('.html'));
    return [
      {
        name: `citizen page JavaScript (index.html: ${citizen.length} script${citizen.length === 1 ? '' : 's'} loaded at once), raw`,
        value: page.raw / 1000,
        unit: 'kB',
        anchor: `all the renderer's JavaScript (${pages.join(', ')})`,
        anchorValue: all.raw / 1000,
        anchorUnit: 'kB',
        ratio: (page.raw / all.raw) * 100,
        ratioUnit: '%',
        goal: 'the citizen chunk without zod or the simulator panel; the panel its own entry',
        holds: found.length === 0 && pages.includes('sim.html'),
        note: `gzip: ${(page.gzip / 1000).toFixed(0)} kB of ${(all.gzip / 1000).toFixed(0)} kB; on the citizen page: ${found.length === 0 ? 'no zod, no simulator panel' : found.join(' and ')}; pages: ${pages.join(', ')}`,
      },
    ];
  },
};
