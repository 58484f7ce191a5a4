/**
 * A CommonJS package loaded when it is first used, not when the module that needs it is evaluated. For packages
 * only some paths use (qrcode and pngjs: a QR code or a PNG on a receipt, a scanned page), so that a start does
 * not compile and run them: the bundle leaves a package named here out and Node loads it from node_modules on
 * first use (docs/performance.md, "What a start loads and parses"). Synchronous, so the callers stay as they are.
 */
import { createRequire } from 'node:module';

export function lazyRequire<T>(id: 'qrcode' | 'pngjs'): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(import.meta.url)(id) as T);
}
