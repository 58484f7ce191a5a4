import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  OUT_OF_SERVICE_PATH,
  decidePermission,
  isAllowedNavigation,
  mimeTypeFor,
  resolveAppPath,
  securityHeaders,
  windowOpenDecision,
} from '../../../main/electron/policy.js';

const root = resolve('/opt/kiosk/dist/renderer');

describe('CSP', () => {
  it('is strict: self only, no inline script, no eval, no objects, no framing, no forms, no base', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)|\*|https?:|blob:/);
    expect(securityHeaders()['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(securityHeaders()['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('navigation, windows, senders', () => {
  it('allows only app://kiosk', () => {
    expect(isAllowedNavigation('app://kiosk/index.html')).toBe(true);
    expect(isAllowedNavigation('app://kiosk/')).toBe(true);
    for (const url of [
      'https://kiosk/index.html',
      'http://localhost:5173/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'app://kiosk.evil/index.html',
      'app://user@kiosk/index.html',
      'app://kiosk:8080/index.html',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      'devtools://devtools/bundled/inspector.html',
      'chrome://gpu',
      'about:blank',
      'not a url',
      '',
    ]) {
      expect(isAllowedNavigation(url), url).toBe(false);
    }
  });

  it('denies every new window', () => {
    expect(windowOpenDecision('app://kiosk/index.html')).toEqual({ action: 'deny' });
    expect(windowOpenDecision('https://example.com')).toEqual({ action: 'deny' });
  });

  it('the renderer has no IPC to the shell: no ipcMain anywhere in main/electron (nothing whose sender needs trusting)', () => {
    const dir = fileURLToPath(new URL('../../../main/electron/', import.meta.url));
    const sources = readdirSync(dir).filter((f) => /\.(ts|cts)$/.test(f));
    expect(sources.length).toBeGreaterThan(5);
    for (const f of sources) expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/import[^;]*\bipcMain\b|\bipcMain\s*\.\s*(on|once|handle|handleOnce)\b/);
  });

  it('denies every permission, whoever asks', () => {
    fc.assert(
      fc.property(fc.string(), fc.oneof(fc.constant('app://kiosk/index.html'), fc.webUrl(), fc.constant(null)), (permission, origin) => {
        expect(decidePermission(permission, origin)).toBe(false);
      }),
    );
    expect(decidePermission('media', 'app://kiosk/index.html')).toBe(false);
  });
});

describe('resolveAppPath', () => {
  it('maps app:// paths to files under the root, / to index.html', () => {
    expect(resolveAppPath(root, 'app://kiosk/')).toMatchObject({ ok: true, kind: 'file', filePath: `${root}${sep}index.html` });
    expect(resolveAppPath(root, 'app://kiosk/index.html')).toMatchObject({ ok: true, filePath: `${root}${sep}index.html`, mimeType: 'text/html; charset=utf-8' });
    expect(resolveAppPath(root, 'app://kiosk/assets/app-1a2b.js?v=1#x')).toMatchObject({
      ok: true,
      filePath: resolve(root, 'assets', 'app-1a2b.js'),
      mimeType: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppPath(root, 'app://kiosk/assets/')).toMatchObject({ ok: true, filePath: resolve(root, 'assets', 'index.html') });
    expect(resolveAppPath(root, 'app://kiosk/%E5%AD%97%E4%BD%93.woff2')).toMatchObject({ ok: true, filePath: resolve(root, '字体.woff2'), mimeType: 'font/woff2' });
    expect(resolveAppPath(root, `app://kiosk${OUT_OF_SERVICE_PATH}`)).toMatchObject({ ok: true, kind: 'builtin' });
  });

  it('refuses traversal in every spelling', () => {
    for (const url of [
      'app://kiosk/assets/..%2f..%2f..%2fetc/passwd',
      'app://kiosk/..%5c..%5cwindows%5cwin.ini',
      'app://kiosk/assets/%252e%252e/%252e%252e/etc/passwd',
      'app://kiosk/index.html%00.png',
      'app://kiosk/C:/Windows/win.ini',
      'app://kiosk/%E0%A4%A',
    ]) {
      const r = resolveAppPath(root, url);
      expect(r.ok, url).toBe(false);
    }
  });

  it('keeps URL-normalised dot segments inside the root', () => {
    // WHATWG URL parsing already folds raw ../ for this scheme: the result must still be under the root.
    for (const url of [
      'app://kiosk/../../etc/passwd',
      'app://kiosk/a/../../../etc/passwd',
      'app://kiosk/./index.html',
      'app://kiosk/%2e%2e/%2e%2e/etc/passwd',
      'app://kiosk/%2E%2E/secret.txt',
      'app://kiosk/..',
      'app://kiosk/.%2e/secret.txt',
    ]) {
      const r = resolveAppPath(root, url);
      if (r.ok && r.kind === 'file') expect(r.filePath.startsWith(root + sep), url).toBe(true);
      else expect(r.ok, url).toBe(false);
    }
  });

  it('refuses other origins and garbage', () => {
    expect(resolveAppPath(root, 'app://evil/index.html')).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath(root, 'file:///etc/passwd')).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath(root, 'nonsense')).toMatchObject({ ok: false, status: 400 });
  });

  it('never resolves outside the root, whatever the path (property)', () => {
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E%2e', '..%2f', '%2f', '%5c', '%00', '%252e', 'C:', '', 'a', 'index.html', '字'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (segments) => {
        const r = resolveAppPath(root, `app://kiosk/${segments.join('/')}`);
        if (r.ok && r.kind === 'file') expect(r.filePath.startsWith(root + sep)).toBe(true);
        else expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

describe('mimeTypeFor', () => {
  it('knows the renderer asset types and falls back to octet-stream', () => {
    expect(mimeTypeFor('a/b.CSS')).toBe('text/css; charset=utf-8');
    expect(mimeTypeFor('x.svg')).toBe('image/svg+xml');
    expect(mimeTypeFor('x.wasm')).toBe('application/wasm');
    expect(mimeTypeFor('x.exe')).toBe('application/octet-stream');
    expect(mimeTypeFor('noext')).toBe('application/octet-stream');
  });
});
