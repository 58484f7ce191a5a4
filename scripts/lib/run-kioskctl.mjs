// The body of bin/kioskctl.mjs (which checks the Node version first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepare } from './prepare.mjs';

const HELP = ['--help', '-h', 'help'];

/** dist/main/cli/help.txt, or null when it is not there (an older build: the CLI then prints it itself). */
function readBuiltHelp(root) {
  try {
    return readFileSync(join(root, 'dist', 'main', 'cli', 'help.txt'), 'utf8');
  } catch {
    return null;
  }
}

export async function runKioskctl(root, argv) {
  let entry;
  if (process.env.KIOSK_FROM_SOURCES === '1') {
    const { register } = await import('tsx/esm/api');
    register();
    entry = join(root, 'main', 'cli', 'index.ts');
  } else {
    await prepare(root, ['node'], { who: 'kioskctl', say: (l) => console.error(l), stream: process.stderr });
    entry = join(root, 'dist', 'main', 'cli', 'index.js');
    // The overview, as the build wrote it from the commands (scripts/build.mjs, writeCliHelp): printing it
    // needs none of the commands' code, so it takes Node's start and little more (issue 10: ≤ 3× node -e 0).
    if (argv.length === 0 || (argv.length === 1 && HELP.includes(argv[0]))) {
      const text = readBuiltHelp(root);
      if (text !== null) {
        process.stdout.write(text);
        process.exitCode = argv.length === 0 ? 2 : 0;
        return;
      }
    }
  }
  const { main } = await import(pathToFileURL(entry).href);
  process.exitCode = await main(argv);
}
