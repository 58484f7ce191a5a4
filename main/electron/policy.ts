/**
 * The Electron shell's security policy as small pure functions (no `electron` import), so each rule has its
 * own unit tests (the shape of Actual's security.ts / trusted-url.ts). shell.ts only wires these into Electron.
 *
 * The renderer is served from `app://kiosk/...` (a privileged standard scheme), never from file://.
 */
import { posix as posixPath, resolve as resolvePath, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'kiosk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const START_URL = `${APP_ORIGIN}/index.html`;

/** A page the shell itself serves (no script), shown when the kiosk cannot serve citizens. */
export const OUT_OF_SERVICE_PATH = '/__kiosk/out-of-service.html';
export const OUT_OF_SERVICE_CSS_PATH = '/__kiosk/out-of-service.css';
export const OUT_OF_SERVICE_URL = `${APP_ORIGIN}${OUT_OF_SERVICE_PATH}`;

/**
 * Content-Security-Policy sent on every app:// response. No 'unsafe-inline' anywhere: Vite emits CSS files and
 * React sets inline styles through the CSSOM, which CSP does not restrict.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self'",
  "worker-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Headers on every app:// response (success and error alike). */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True only for our own origin: `app://kiosk/...`. */
export function isAppUrl(url: string): boolean {
  const u = parseUrl(url);
  return u !== null && u.protocol === `${APP_SCHEME}:` && u.hostname === APP_HOST && u.port === '' && u.username === '' && u.password === '';
}

/** The technician screen's page: its channel to the core is a technician channel (PIN-gated tech.*). */
export const TECHNICIAN_PATH = '/tech.html';

export function isTechnicianUrl(url: string): boolean {
  if (!isAppUrl(url)) return false;
  const u = parseUrl(url);
  return u !== null && u.pathname === TECHNICIAN_PATH;
}

/**
 * Whether the top-level page may go to `url` (will-navigate, will-redirect, will-frame-navigate).
 * Only pages of our own origin; everything else (http(s), file, data, javascript, devtools, ...) is refused.
 */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** window.open / target=_blank: always refused (a kiosk has one window). */
export function windowOpenDecision(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * Permissions granted to the renderer. Empty: the scanner is a SANE device driven by the core, not a webcam,
 * and nothing in the UI needs the browser's geolocation, media, notifications, HID, serial, USB, clipboard...
 * If a permission is ever needed, add it here with a test and a reason.
 */
export const PERMISSION_ALLOWLIST: readonly string[] = [];

/** The answer to a permission request or check: allowed only if allowlisted AND asked by our own origin. */
export function decidePermission(permission: string, requestingUrl: string | null | undefined): boolean {
  if (!PERMISSION_ALLOWLIST.includes(permission)) return false;
  return typeof requestingUrl === 'string' && isAppUrl(requestingUrl);
}

// No isTrustedSender: the renderer sends the shell nothing (no ipcMain handler exists; test/main/electron/policy.test.ts
// keeps it so). Its one channel is the MessagePort to the core, handed over only after an app:// main-frame load, and
// the core validates every envelope on it.

// ---- app:// path resolution ----

export type AppPathResolution =
  | { ok: true; kind: 'file'; filePath: string; mimeType: string }
  | { ok: true; kind: 'builtin'; path: typeof OUT_OF_SERVICE_PATH | typeof OUT_OF_SERVICE_CSS_PATH; mimeType: string }
  | { ok: false; status: 400 | 403 | 404; reason: 'bad-url' | 'wrong-origin' | 'traversal' | 'bad-path' };

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
};

/** MIME type by extension; unknown files are served as opaque bytes (never sniffed: nosniff is set). */
export function mimeTypeFor(filePath: string): string {
  const ext = posixPath.extname(filePath.replaceAll('\\', '/')).toLowerCase();
  return MIME_TYPES[ext] ?? 'application/octet-stream';
}

/**
 * Maps an app:// URL to a file under `rootDir` (the built renderer folder), refusing anything that could leave
 * it: `..` segments (raw, percent-encoded, double-encoded), encoded slashes and backslashes, NUL bytes, drive
 * letters, and any result outside the root. Directory-like paths map to their index.html.
 * Pure: the caller still checks the real path (symlinks) before reading.
 */
export function resolveAppPath(rootDir: string, requestUrl: string): AppPathResolution {
  const u = parseUrl(requestUrl);
  if (u === null) return { ok: false, status: 400, reason: 'bad-url' };
  if (!isAppUrl(requestUrl)) return { ok: false, status: 403, reason: 'wrong-origin' };
  const raw = u.pathname;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { ok: false, status: 400, reason: 'bad-path' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 400, reason: 'bad-path' };
  // Still-encoded characters after one decode (e.g. %252e%252e) are a double-encoding attempt: refuse all.
  if (/%[0-9a-f]{2}/i.test(decoded)) return { ok: false, status: 400, reason: 'bad-path' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403, reason: 'traversal' };
  if (segments.some((s) => /^[a-z]:$/i.test(s))) return { ok: false, status: 403, reason: 'traversal' };
  if (decoded === OUT_OF_SERVICE_PATH || decoded === OUT_OF_SERVICE_CSS_PATH) {
    return { ok: true, kind: 'builtin', path: decoded, mimeType: mimeTypeFor(decoded) };
  }
  // Dot segments are refused above, so only empty segments (//) need folding. A directory maps to index.html.
  const parts = segments.filter((s) => s !== '');
  if (parts.length === 0 || decoded.endsWith('/')) parts.push('index.html');
  const root = resolvePath(rootDir);
  const filePath = resolvePath(root, ...parts);
  if (filePath === root) return { ok: false, status: 404, reason: 'bad-path' };
  if (!isInside(root, filePath)) return { ok: false, status: 403, reason: 'traversal' };
  return { ok: true, kind: 'file', filePath, mimeType: mimeTypeFor(filePath) };
}

/** True when `child` is `root` itself or below it (both absolute, resolved). */
export function isInside(root: string, child: string): boolean {
  const r = root.endsWith(sep) ? root : root + sep;
  return child === root || child.startsWith(r);
}
