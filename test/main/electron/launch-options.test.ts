import { describe, expect, it } from 'vitest';
import { LaunchOptionsError, parseLaunchOptions } from '../../../main/electron/launch-options.js';

const argv0 = ['/opt/kiosk/nx-kiosk', '/opt/kiosk/resources/app.asar'];

describe('parseLaunchOptions', () => {
  it('never allows devtools in a packaged (installed) kiosk', () => {
    expect(parseLaunchOptions([...argv0, '--kiosk-dev'], { KIOSK_DEV: '1' }, { packaged: true }).dev).toBe(false);
    expect(parseLaunchOptions([...argv0, '--kiosk-dev'], {}, { packaged: false }).dev).toBe(true);
  });

  it('defaults to production without a profile', () => {
    expect(parseLaunchOptions(argv0, {})).toEqual({ dev: false, profilePath: undefined });
  });

  it('reads the profile from the flag (both spellings) or the environment; the flag wins', () => {
    expect(parseLaunchOptions([...argv0, '--kiosk-profile=/etc/kiosk/a.json'], {}).profilePath).toBe('/etc/kiosk/a.json');
    expect(parseLaunchOptions([...argv0, '--kiosk-profile', '/etc/kiosk/b.json'], {}).profilePath).toBe('/etc/kiosk/b.json');
    expect(parseLaunchOptions(argv0, { KIOSK_PROFILE: '/etc/kiosk/c.json' }).profilePath).toBe('/etc/kiosk/c.json');
    expect(parseLaunchOptions([...argv0, '--kiosk-profile=/x.json'], { KIOSK_PROFILE: '/y.json' }).profilePath).toBe('/x.json');
  });

  it('turns developer mode on only when asked', () => {
    expect(parseLaunchOptions([...argv0, '--kiosk-dev'], {}).dev).toBe(true);
    expect(parseLaunchOptions(argv0, { KIOSK_DEV: '1' }).dev).toBe(true);
    expect(parseLaunchOptions(argv0, { KIOSK_DEV: 'true' }).dev).toBe(true);
    expect(parseLaunchOptions(argv0, { KIOSK_DEV: '0' }).dev).toBe(false);
    expect(parseLaunchOptions(argv0, { KIOSK_DEV: '' }).dev).toBe(false);
    expect(parseLaunchOptions([...argv0, '--kiosk-dev=0'], { KIOSK_DEV: '1' }).dev).toBe(false);
    expect(parseLaunchOptions([...argv0, '--kiosk-dev', '--kiosk-profile=/p.json'], {})).toEqual({ dev: true, profilePath: '/p.json' });
  });

  it('rejects bad values with a typed error', () => {
    const bad: [string[], Record<string, string>, string][] = [
      [[...argv0, '--kiosk-profile'], {}, 'missing-value'],
      [[...argv0, '--kiosk-profile=relative/profile.json'], {}, 'invalid-profile-path'],
      [argv0, { KIOSK_PROFILE: '/etc/kiosk\0.json' }, 'invalid-profile-path'],
      [argv0, { KIOSK_DEV: 'yes' }, 'invalid-dev-flag'],
      [[...argv0, '--kiosk-dev=maybe'], {}, 'invalid-dev-flag'],
    ];
    for (const [argv, env, code] of bad) {
      let caught: unknown;
      try {
        parseLaunchOptions(argv, env);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(LaunchOptionsError);
      expect((caught as LaunchOptionsError).code).toBe(code);
    }
  });
});
