/**
 * The citizen page's JavaScript: the renderer built as production builds it (scripts/build.mjs renderer,
 * Vite), then the scripts the citizen page runs before its first screen (its entry, the chunks it imports and
 * preloads) measured raw and gzipped, and searched for what does not belong there: zod (in Electron the page
 * talks to the core through the preload's port; web mode's WebSocket channel, which validates with the
 * contract's schemas, is a chunk loaded on demand, reported as its own row) and the simulator panel (its own
 * entry, sim.html).
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

/** A built chunk's static imports (`from"./x.js"`, `import"./x.js"`) and dynamic ones (`import("./x.js")`), as files. */
function importsOf(file: string): { static: string[]; dynamic: string[] } {
  const text = fs.readFileSync(file, 'utf8');
  const dir = join(file, '..');
  const files = (re: RegExp): string[] => [...new Set([...text.matchAll(re)].map((m) => join(dir, m[1] ?? '')))];
  return {
    static: files(/(?:from|import)\s*["'`](\.\/[^"'`]+\.js)["'`]/g),
    dynamic: files(/import\(\s*["'`](\.\/[^"'`]+\.js)["'`]\s*\)/g),
  };
}

/** Every chunk `files` load statically, transitively. */
function staticClosure(files: string[]): Set<string> {
  const out = new Set<string>();
  const todo = [...files];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (out.has(f)) continue;
    out.add(f);
    todo.push(...importsOf(f).static);
  }
  return out;
}

/** What must not be on the citizen page but is, in the built renderer (dist/renderer): [] when the page is clean. */
export function citizenPageMarks(): string[] {
  const text = [...staticClosure(pageScripts(join(DIST, 'index.html')))].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  return Object.entries(MARKS)
    .filter(([, res]) => res.some((re) => re.test(text)))
    .map(([name]) => name);
}

export const rendererSection: BenchSection = {
  id: 'renderer',
  name: 'Citizen page JavaScript',
  async run(): Promise<BenchRow[]> {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), 'renderer'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const bytes = (files: Iterable<string>): { raw: number; gzip: number; text: string } => {
      const text = [...files].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
      return { raw: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length, text };
    };
    const marksIn = (text: string): string[] =>
      Object.entries(MARKS)
        .filter(([, res]) => res.some((re) => re.test(text)))
        .map(([name]) => name);
    const kB = (n: number): string => `${(n / 1000).toFixed(0)} kB`;

    // What the citizen page runs before its first screen: its entry, what that imports, its preloads.
    const citizenFiles = staticClosure(pageScripts(join(DIST, 'index.html')));
    if (citizenFiles.size === 0) throw new Error('bench: the citizen page loads no script');
    const page = bytes(citizenFiles);
    const onPage = marksIn(page.text);
    // Loaded later, on demand (web mode's WebSocket channel with the contract's schemas; Electron never loads it).
    const onDemand = new Set<string>();
    for (const f of citizenFiles) for (const d of importsOf(f).dynamic) for (const c of staticClosure([d])) if (!citizenFiles.has(c)) onDemand.add(c);
    const later = bytes(onDemand);
    const all = bytes(fs.readdirSync(join(DIST, 'assets')).filter((f) => f.endsWith('.js')).map((f) => join(DIST, 'assets', f)));
    const pages = fs.readdirSync(DIST).filter((f) => f.endsWith('.html'));
    const panelEntry = pages.includes('sim.html') ? pageScripts(join(DIST, 'sim.html'))[0] : undefined;
    const panelOwn = panelEntry !== undefined && !citizenFiles.has(panelEntry) && marksIn(fs.readFileSync(panelEntry, 'utf8')).includes('simulator panel');
    const panel = panelEntry === undefined ? null : bytes([panelEntry]);
    const rows: BenchRow[] = [
      {
        name: `citizen page JavaScript before its first screen (index.html: ${citizenFiles.size} chunks), raw`,
        value: page.raw / 1000,
        unit: 'kB',
        anchor: `all the renderer's JavaScript (${pages.join(', ')})`,
        anchorValue: all.raw / 1000,
        anchorUnit: 'kB',
        ratio: (page.raw / all.raw) * 100,
        ratioUnit: '%',
        goal: 'the citizen chunk without zod or the simulator panel; the panel its own entry',
        holds: onPage.length === 0 && panelOwn,
        note:
          `gzip ${kB(page.gzip)} of ${kB(all.gzip)}; on the citizen page: ${onPage.length === 0 ? 'no zod, no simulator panel' : onPage.join(' and ')}; ` +
          `the panel ${panelOwn ? 'is its own entry (sim.html)' : 'is NOT its own entry'}`,
      },
      {
        name: 'web mode only, loaded on demand after the first screen: the WebSocket channel with the contract\'s schemas (zod), raw',
        value: later.raw / 1000,
        unit: 'kB',
        anchor: 'the citizen page before its first screen',
        anchorValue: page.raw / 1000,
        anchorUnit: 'kB',
        ratio: (later.raw / page.raw) * 100,
        ratioUnit: '%',
        note: `gzip ${kB(later.gzip)}; ${marksIn(later.text).includes('zod') ? 'has zod (validates what comes over the socket)' : 'no zod'}; Electron's page talks through the preload's port and never loads it`,
      },
    ];
    if (panel !== null) {
      rows.push({
        name: 'simulator panel entry (sim.html, web mode /sim), raw',
        value: panel.raw / 1000,
        unit: 'kB',
        anchor: 'the citizen page before its first screen',
        anchorValue: page.raw / 1000,
        anchorUnit: 'kB',
        ratio: (panel.raw / page.raw) * 100,
        ratioUnit: '%',
        note: `its own chunk (gzip ${kB(panel.gzip)}), shares React with the citizen page`,
      });
    }
    return rows;
  },
};
