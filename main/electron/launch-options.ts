/**
 * Launch options of the Electron shell, from the command line and the environment (validated with zod).
 *
 *   --kiosk-profile=<path> | --kiosk-profile <path> | KIOSK_PROFILE=<path>   the kiosk profile file for the core
 *   --kiosk-dev | KIOSK_DEV=1                                                  developer mode: devtools allowed
 *
 * The command line wins over the environment. Unknown flags are ignored (Chromium and Electron add their own).
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';

export class LaunchOptionsError extends Error {
  override readonly name = 'LaunchOptionsError';
  constructor(
    readonly code: 'invalid-profile-path' | 'invalid-dev-flag' | 'missing-value',
    message: string,
  ) {
    super(message);
  }
}

const ProfilePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'must not contain NUL')
  .refine((p) => isAbsolute(p), 'must be an absolute path');

const DevFlag = z.enum(['', '0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

export const LaunchOptions = z.object({
  profilePath: ProfilePath.optional(),
  dev: z.boolean(),
});
export type LaunchOptions = z.infer<typeof LaunchOptions>;

function flagValue(argv: readonly string[], name: string): { present: boolean; value?: string } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === undefined) continue;
    if (a === name) {
      const next = argv[i + 1];
      return next !== undefined && !next.startsWith('--') ? { present: true, value: next } : { present: true };
    }
    if (a.startsWith(`${name}=`)) return { present: true, value: a.slice(name.length + 1) };
  }
  return { present: false };
}

/** Parses argv (process.argv) and env (process.env). Throws LaunchOptionsError on bad values. */
export function parseLaunchOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, opts: { packaged?: boolean } = {}): LaunchOptions {
  const profileFlag = flagValue(argv, '--kiosk-profile');
  if (profileFlag.present && profileFlag.value === undefined) {
    throw new LaunchOptionsError('missing-value', '--kiosk-profile needs a path');
  }
  const rawProfile = profileFlag.value ?? (env.KIOSK_PROFILE === '' ? undefined : env.KIOSK_PROFILE);
  let profilePath: string | undefined;
  if (rawProfile !== undefined) {
    const p = ProfilePath.safeParse(rawProfile);
    if (!p.success) {
      throw new LaunchOptionsError('invalid-profile-path', `kiosk profile path ${p.error.issues[0]?.message ?? 'is invalid'}`);
    }
    profilePath = p.data;
  }

  const devFlag = flagValue(argv, '--kiosk-dev');
  let dev: boolean;
  if (devFlag.present) {
    // `--kiosk-dev` alone means on; `--kiosk-dev=0` means off. The next argv is not taken as its value.
    const v = argv.includes('--kiosk-dev') ? '1' : (devFlag.value ?? '1');
    const d = DevFlag.safeParse(v);
    if (!d.success) throw new LaunchOptionsError('invalid-dev-flag', '--kiosk-dev takes 0, 1, true or false');
    dev = d.data;
  } else {
    const d = DevFlag.safeParse(env.KIOSK_DEV ?? '');
    if (!d.success) throw new LaunchOptionsError('invalid-dev-flag', 'KIOSK_DEV takes 0, 1, true or false');
    dev = d.data;
  }
  // An installed kiosk never opens devtools, whatever its environment says; technicians use kioskctl.
  if (opts.packaged) dev = false;
  return LaunchOptions.parse({ profilePath, dev });
}
