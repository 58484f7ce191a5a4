// The body of bin/kioskctl.mjs (which checks the Node version first).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepare } from './prepare.mjs';

export async function runKioskctl(root, argv) {
  let entry;
  if (process.env.KIOSK_FROM_SOURCES === '1') {
    const { register } = await import('tsx/esm/api');
    register();
    entry = join(root, 'main', 'cli', 'index.ts');
  } else {
    await prepare(root, ['node'], { who: 'kioskctl', say: (l) => console.error(l), stream: process.stderr });
    entry = join(root, 'dist', 'main', 'cli', 'index.js');
  }
  const { main } = await import(pathToFileURL(entry).href);
  process.exitCode = await main(argv);
}
