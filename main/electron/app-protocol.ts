/**
 * The `app://kiosk/` protocol handler: serves the built renderer folder with correct MIME types and the CSP
 * (and the other security headers) on every response, errors included. No `electron` import: shell.ts passes
 * this function to `protocol.handle('app', ...)`, and tests call it with plain Requests.
 */
import { readFile, realpath } from 'node:fs/promises';
import { OUT_OF_SERVICE_CSS, OUT_OF_SERVICE_HTML } from './out-of-service.js';
import { OUT_OF_SERVICE_CSS_PATH, isInside, resolveAppPath, securityHeaders } from './policy.js';

export interface AppProtocolOptions {
  /** The built renderer folder (dist/renderer). */
  rootDir: string;
  /** Called for refused requests (no citizen data: the URL path of a static asset only). */
  onRefused?: (info: { status: number; reason: string; url: string }) => void;
}

export type ProtocolHandler = (request: Request) => Promise<Response>;

function errorResponse(status: number, text: string, extra?: Record<string, string>): Response {
  return new Response(text, {
    status,
    headers: { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', ...extra },
  });
}

export function createAppProtocolHandler(options: AppProtocolOptions): ProtocolHandler {
  let realRoot: Promise<string> | null = null;
  const rootReal = (): Promise<string> => (realRoot ??= realpath(options.rootDir).catch(() => options.rootDir));

  return async (request) => {
    const method = request.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return errorResponse(405, 'method not allowed', { Allow: 'GET, HEAD' });
    const res = resolveAppPath(options.rootDir, request.url);
    if (!res.ok) {
      options.onRefused?.({ status: res.status, reason: res.reason, url: safeUrlForLog(request.url) });
      return errorResponse(res.status, res.reason);
    }
    const headers = { ...securityHeaders(), 'Content-Type': res.mimeType };
    if (res.kind === 'builtin') {
      const body = res.path === OUT_OF_SERVICE_CSS_PATH ? OUT_OF_SERVICE_CSS : OUT_OF_SERVICE_HTML;
      return new Response(method === 'HEAD' ? null : body, { status: 200, headers });
    }
    try {
      // Symlinks inside the bundle must not lead outside it.
      const [root, real] = await Promise.all([rootReal(), realpath(res.filePath)]);
      if (!isInside(root, real)) {
        options.onRefused?.({ status: 403, reason: 'traversal', url: safeUrlForLog(request.url) });
        return errorResponse(403, 'traversal');
      }
      const data = await readFile(real);
      return new Response(method === 'HEAD' ? null : new Uint8Array(data), {
        status: 200,
        headers: { ...headers, 'Content-Length': String(data.byteLength) },
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return errorResponse(404, 'not found');
      return errorResponse(500, 'read error');
    }
  };
}

/** The URL without query or fragment, truncated: asset paths only, never form data. */
function safeUrlForLog(url: string): string {
  const cut = url.split(/[?#]/, 1)[0] ?? '';
  return cut.length > 200 ? `${cut.slice(0, 200)}…` : cut;
}
