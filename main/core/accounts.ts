/**
 * Unix account look-ups Node does not offer (getgrnam, getpwuid): /etc/group and /etc/passwd first, then
 * `getent` for accounts from NSS (LDAP, sssd).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export class AccountError extends Error {
  override readonly name = 'AccountError';
}

function entries(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(':'));
  } catch {
    return [];
  }
}

function getent(db: 'group' | 'passwd', key: string): string[] | null {
  try {
    const out = execFileSync('getent', [db, key], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
    const line = out.split('\n')[0];
    return line ? line.split(':') : null;
  } catch {
    return null;
  }
}

/** The gid of a group given by name or number. */
export function resolveGroup(group: string | number): number {
  if (typeof group === 'number') return group;
  if (/^\d+$/.test(group)) return Number(group);
  const row = entries('/etc/group').find((e) => e[0] === group) ?? getent('group', group);
  const gid = row ? Number(row[2]) : NaN;
  if (!Number.isInteger(gid)) throw new AccountError(`no group "${group}" on this system (technician.socket.group)`);
  return gid;
}

/** A user name for a uid, or `uid:<n>` when the system has none. */
export function userName(uid: number): string {
  const row = entries('/etc/passwd').find((e) => Number(e[2]) === uid) ?? getent('passwd', String(uid));
  return row?.[0] ? row[0] : `uid:${uid}`;
}
