import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler } from '../../../main/electron/app-protocol.js';
import type { ProtocolHandler } from '../../../main/electron/app-protocol.js';
import { CONTENT_SECURITY_POLICY, OUT_OF_SERVICE_CSS_PATH, OUT_OF_SERVICE_URL } from '../../../main/electron/policy.js';

let dir: string;
let handler: ProtocolHandler;
const refused: { status: number; reason: string; url: string }[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-proto-'));
  const root = join(dir, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>kiosk</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'export {}');
  writeFileSync(join(root, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'assets', 'link.txt'));
  handler = createAppProtocolHandler({ rootDir: root, onRefused: (r) => refused.push(r) });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

describe('app:// handler', () => {
  it('serves files with their MIME type and the CSP', async () => {
    for (const [path, type] of [
      ['index.html', 'text/html; charset=utf-8'],
      ['', 'text/html; charset=utf-8'],
      ['assets/app.js', 'text/javascript; charset=utf-8'],
      ['assets/app.css', 'text/css; charset=utf-8'],
    ] as const) {
      const r = await get(`app://kiosk/${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toBe(type);
      expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(await (await get('app://kiosk/index.html')).text()).toContain('<title>kiosk</title>');
  });

  it('puts the CSP on errors too', async () => {
    const r = await get('app://kiosk/missing.js');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('refuses traversal (raw, encoded, double-encoded, backslash, NUL) and never returns the secret', async () => {
    for (const url of [
      'app://kiosk/../../secret.txt',
      'app://kiosk/%2e%2e/secret.txt',
      'app://kiosk/..%2fsecret.txt',
      'app://kiosk/%252e%252e/secret.txt',
      'app://kiosk/..%5csecret.txt',
      'app://kiosk/assets%2f..%2f..%2fsecret.txt',
      'app://kiosk/index.html%00',
      'app://kiosk/assets/link.txt',
    ]) {
      const r = await get(url);
      expect(r.status, url).toBeGreaterThanOrEqual(400);
      expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(await r.text(), url).not.toContain('SECRET');
    }
    expect(refused.some((r) => r.reason === 'traversal')).toBe(true);
  });

  it('refuses other hosts and methods', async () => {
    expect((await get('app://evil/index.html')).status).toBe(403);
    const post = await get('app://kiosk/index.html', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers HEAD without a body', async () => {
    const r = await get('app://kiosk/index.html', 'HEAD');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('');
  });

  it('serves its own out-of-service page (no script) with the CSP', async () => {
    const page = await get(OUT_OF_SERVICE_URL);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const html = await page.text();
    expect(html).toContain('暂停服务');
    expect(html).not.toMatch(/<script|style=|<style/i);
    const css = await get(`app://kiosk${OUT_OF_SERVICE_CSS_PATH}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });
});
