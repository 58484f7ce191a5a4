import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Resolves a URL path inside `root`, or null when it would leave it (traversal, NUL, odd encodings). */
export function resolveStatic(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').includes('..')) return null;
  const rel = normalize(decoded).replace(/^([/\\])+/, '');
  const abs = join(root, rel);
  if (abs !== root && !abs.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  return abs;
}

export async function readStatic(root: string, urlPath: string): Promise<{ body: Buffer; type: string } | null> {
  const abs = resolveStatic(root, urlPath);
  if (!abs) return null;
  try {
    const body = await readFile(abs);
    return { body, type: MIME[extname(abs).toLowerCase()] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}
