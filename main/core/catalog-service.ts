import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SAMPLE_CATALOG, CatalogError, filterCatalog, formatPath, loadCatalog, parseCatalog, type LoadedCatalog } from '../catalog/index.js';
import type { Catalog } from '../platform/schemas.js';
import { Emitter } from '../../drivers/device.js';
import { ProfileError, type LoadedProfile } from './profile.js';

/**
 * Which catalog the kiosk offers, in this order:
 *   1. the platform's, fetched with its ETag, when it passes main/catalog's schema and rules;
 *   2. else the last good one from the platform, kept in the offline cache;
 *   3. else the site's own file (profile `catalog.file`), else the bundled sample.
 * An invalid platform catalog is rejected with the path of the bad field and the one in use stays.
 * The profile's `catalog.include` then limits what is shown (by 实施编码, 基本编码 or category).
 */

export type CatalogSource = 'platform' | 'cache' | 'file' | 'bundled';

export interface CatalogLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A platform catalog's problem in words with its path, or null when it is usable. */
export function checkPlatformCatalog(raw: Catalog): string | null {
  const r = parseCatalog(raw);
  if (r.ok) return null;
  const i = r.issues[0];
  const more = r.issues.length > 1 ? ` (and ${r.issues.length - 1} more)` : '';
  return i ? `${formatPath(i.path)}: ${i.message}${more}` : 'invalid catalog';
}

/**
 * The site's catalog file, validated like any catalog. Any problem stops start-up: a ProfileError
 * naming the file and the field (e.g. `site.json: matters.3.fee.amountFen: …`).
 */
export function loadSiteCatalog(loaded: LoadedProfile, cwd: string = process.cwd()): LoadedCatalog | null {
  const file = loaded.profile.catalog.file;
  if (file === undefined) return null;
  const base = loaded.file === null ? cwd : dirname(loaded.file);
  const abs = isAbsolute(file) ? file : resolve(base, file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new ProfileError(abs, '(file)', `${abs}: cannot read the catalog file named by catalog.file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProfileError(abs, '(file)', `${abs}: the catalog file is not valid JSON (${(e as Error).message})`);
  }
  try {
    return loadCatalog(raw, abs);
  } catch (e) {
    if (e instanceof CatalogError) throw new ProfileError(abs, e.field, e.message);
    throw e;
  }
}

export class CatalogService {
  #base: LoadedCatalog;
  #baseSource: CatalogSource;
  #shown: LoadedCatalog;
  #source: CatalogSource;
  readonly #include: readonly string[] | undefined;
  readonly #changes = new Emitter<CatalogSource>();
  readonly #log: CatalogLog;

  constructor(opts: { site: LoadedCatalog | null; include?: readonly string[] | undefined; log: CatalogLog }) {
    this.#log = opts.log;
    this.#include = opts.include;
    this.#base = opts.site ?? loadCatalog(SAMPLE_CATALOG, 'bundled');
    this.#baseSource = opts.site ? 'file' : 'bundled';
    this.#source = this.#baseSource;
    this.#shown = this.#filter(this.#base);
  }

  /** The catalog offered now (already limited by `include`). */
  get catalog(): LoadedCatalog {
    return this.#shown;
  }

  get source(): CatalogSource {
    return this.#source;
  }

  /** A catalog change (the matter list is shown again). */
  onChange(listener: (source: CatalogSource) => void): () => void {
    return this.#changes.on(listener);
  }

  /**
   * The platform's catalog (already checked by the CatalogCache) or the cached last good one; null keeps
   * what is in use. A catalog that fails here anyway (a newer rule) is rejected and the current one stays.
   */
  usePlatform(raw: Catalog | null, source: 'platform' | 'cache'): boolean {
    if (raw === null) return false;
    const r = parseCatalog(raw);
    if (!r.ok) {
      this.#log.warn({ source, problem: checkPlatformCatalog(raw) }, 'platform catalog rejected; the one in use stays');
      return false;
    }
    this.#source = source;
    this.#shown = this.#filter(r.catalog);
    this.#log.info({ source, version: r.catalog.version, applications: this.#shown.applications.size }, 'catalog in use');
    this.#changes.emit(source);
    return true;
  }

  #filter(c: LoadedCatalog): LoadedCatalog {
    const { catalog, unmatched } = filterCatalog(c, this.#include);
    if (unmatched.length > 0) this.#log.warn({ unmatched, version: c.version }, 'catalog.include names codes or categories this catalog does not have');
    if (this.#include !== undefined && catalog.applications.size === 0) this.#log.warn({ include: this.#include }, 'catalog.include leaves no matter to offer');
    return catalog;
  }
}
