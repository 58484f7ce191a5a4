#!/usr/bin/env node
// Copies the journey screenshots the README's journey section shows (docs/journey.md) from
// test-results/screens/ (written by `npx playwright test test/e2e/matters.spec.ts test/e2e/screens.spec.ts`) into docs/screens/,
// at half size and without alpha, so the committed images stay small.
//   node scripts/docs-screens.mjs            copy the list below
//   node scripts/docs-screens.mjs --check    say which listed screenshots are missing, copy nothing
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'test-results', 'screens');
const to = join(root, 'docs', 'screens');

/** test-results/screens/<name>.png → docs/screens/<name>.png */
export const DOC_SCREENS = [
  'a-01-matter-list',
  'a-02-notice',
  'a-03-form',
  'a-04-commitment',
  'a-05-materials-ecert',
  'a-07-submit',
  'a-08-printed',
  'a-09-review',
  'a-10-goodbye',
  'b-02-matter-list-offline',
  'b-04-submit-offline',
  'c-02-form-pinyin',
  'd-04-fee-declined',
  'screen-fee-paying',
  'e-04-scanned',
  'f-02-idle-warning',
  'g-02-print-failed',
  'h-04-reasons',
  'i-01-printer-unplugged',
  'j-01-site-list',
]

function halve(src) {
  const w = Math.floor(src.width / 2);
  const h = Math.floor(src.height / 2);
  const out = new PNG({ width: w, height: h, colorType: 2, inputHasAlpha: true });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (const d of [0, 1, 2, 3]) sum += src.data[((2 * y + (d >> 1)) * src.width + 2 * x + (d & 1)) * 4 + c];
        out.data[(y * w + x) * 4 + c] = Math.round(sum / 4);
      }
      out.data[(y * w + x) * 4 + 3] = 255;
    }
  }
  return out;
}

const check = process.argv.includes('--check');
const missing = DOC_SCREENS.filter((n) => !existsSync(join(from, `${n}.png`)));
if (missing.length) {
  console.error(`missing in test-results/screens (run the journeys first): ${missing.join(', ')}`);
  if (check) process.exit(1);
}
if (check) process.exit(0);
mkdirSync(to, { recursive: true });
for (const name of DOC_SCREENS.filter((n) => !missing.includes(n))) {
  const png = halve(PNG.sync.read(readFileSync(join(from, `${name}.png`))));
  writeFileSync(join(to, `${name}.png`), PNG.sync.write(png, { colorType: 2, deflateLevel: 9 }));
  console.log(`docs/screens/${name}.png`);
}
