/**
 * AUTHORIZE answers (net.tex SANE_NET_AUTHORIZE; sanei_auth.c check_passwd). Pure computation.
 *
 * When the server's resource contains "$MD5$<salt>", the password is sent as
 * "$MD5$" + hex(md5(salt + password)) — salt first, as the code does (the standard's prose says
 * "password and random string"; saned follows sanei_auth.c). Otherwise the password goes in clear text,
 * which is why the README insists on loopback.
 */
import { createHash } from 'node:crypto';
import { latin1Bytes } from './wire.js';

export const MD5_MARKER = '$MD5$';
/** sanei_auth.c compares at most this many password characters (SANE_MAX_PASSWORD_LEN - 1). */
export const MAX_PASSWORD_LENGTH = 127;

/** The password field of the AUTHORIZE request for `resource`. */
export function authorizePassword(resource: string, password: string): string {
  const at = resource.indexOf(MD5_MARKER);
  if (at < 0) return password;
  const salt = resource.slice(at + MD5_MARKER.length);
  const digest = createHash('md5')
    .update(latin1Bytes(salt + password.slice(0, 128), 'salted password'))
    .digest('hex');
  return MD5_MARKER + digest;
}

/** The device name part of a resource ("test$MD5$…" → "test"): what saned.users names. */
export function resourceBackend(resource: string): string {
  const at = resource.indexOf(MD5_MARKER);
  return at < 0 ? resource : resource.slice(0, at);
}
