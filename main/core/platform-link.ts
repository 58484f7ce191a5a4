/**
 * Platform reachability and the cached catalog.
 *
 * Reachability: GET /v1/health every probeSeconds; delivery outcomes count as probes too (a
 * delivered case says "online" without an extra request). The state is published to the core,
 * which pushes it to the attract screen with the queue depth.
 *
 * Catalog: fetched with If-None-Match into the offline cache's kv store; the kiosk starts and
 * serves with the last cached catalog when the platform is down.
 */
import type { KvCache } from '../../offline-cache/index.js';
import { problemOf } from '../platform/client.js';
import type { CatalogFetch, Outcome, PlatformProblem } from '../platform/client.js';
import type { Catalog, Health } from '../platform/schemas.js';
import { Catalog as CatalogSchema } from '../platform/schemas.js';
import { defaultSleep } from './delivery.js';

export type Reachability = 'online' | 'offline' | 'unknown';

export interface LinkClient {
  health(signal: AbortSignal): Promise<Outcome<Health>>;
  getCatalog(etag: string | undefined, signal: AbortSignal): Promise<Outcome<CatalogFetch>>;
}

export interface PlatformLinkOptions {
  client: LinkClient;
  probeMs: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class PlatformLink {
  #state: Reachability = 'unknown';
  readonly #o: PlatformLinkOptions;
  #abort: AbortController | null = null;
  #running: Promise<void> | null = null;
  readonly #listeners = new Set<(s: Reachability) => void>();
  #problem: PlatformProblem | null = null;
  readonly #problemListeners = new Set<(p: PlatformProblem | null) => void>();

  constructor(opts: PlatformLinkOptions) {
    this.#o = opts;
  }

  /** Reachability changes (online when the platform comes back: wake delivery, refresh the catalog). */
  onChange(listener: (s: Reachability) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get state(): Reachability {
    return this.#state;
  }

  /**
   * What is wrong with the link, if anything ("platform unreachable or misrouted", credentials refused, the clock),
   * from the last probe or delivery attempt that told; null when the platform answered normally.
   */
  get problem(): PlatformProblem | null {
    return this.#problem;
  }

  /** Problem changes (the technician screen and the attract screen show `problem.text`). */
  onProblem(listener: (p: PlatformProblem | null) => void): () => void {
    this.#problemListeners.add(listener);
    return () => this.#problemListeners.delete(listener);
  }

  /** Record what a request found out (a probe or a delivery attempt), with the problem it showed when known. */
  report(reachable: boolean, problem?: PlatformProblem | null): void {
    if (problem !== undefined || reachable) {
      const p = problem ?? null;
      if (p?.kind !== this.#problem?.kind || p?.text !== this.#problem?.text) {
        this.#problem = p;
        for (const l of this.#problemListeners) l(p);
      }
    }
    const next: Reachability = reachable ? 'online' : 'offline';
    if (next === this.#state) return;
    this.#state = next;
    for (const l of this.#listeners) l(next);
  }

  /** One health probe. */
  async probe(signal: AbortSignal): Promise<Reachability> {
    const out = await this.#o.client.health(signal);
    this.report(out.kind === 'ok', problemOf(out));
    return this.#state;
  }

  start(): void {
    if (this.#running) return;
    const ac = new AbortController();
    this.#abort = ac;
    const sleep = this.#o.sleep ?? defaultSleep;
    this.#running = (async () => {
      while (!ac.signal.aborted) {
        try {
          await this.probe(ac.signal);
          await sleep(this.#o.probeMs, ac.signal);
        } catch {
          // aborted
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#abort?.abort(new Error('platform link stopped'));
    await this.#running;
    this.#running = null;
  }
}

const CATALOG_KEY = 'platform.catalog';

/** Checks a catalog's content (main/catalog's format): null when usable, else the problem with its path. */
export type CatalogCheck = (catalog: Catalog) => string | null;

export type CatalogRefresh = 'updated' | 'not-modified' | 'failed' | { rejected: string };

/**
 * The matter catalog from the platform, cached with its ETag. Only a catalog that passes `check` is
 * cached and used: an invalid one is rejected with the reason (the path of the bad field) and the
 * last good one stays, in memory and in the cache.
 */
export class CatalogCache {
  #current: Catalog | null = null;
  /** ETag of a catalog we rejected: asked with If-None-Match so an unchanged bad catalog is not fetched and reported again. */
  #rejectedEtag: string | undefined;
  readonly #check: CatalogCheck;

  constructor(
    private readonly kv: KvCache,
    private readonly client: Pick<LinkClient, 'getCatalog'>,
    check: CatalogCheck = () => null,
  ) {
    this.#check = check;
    this.#current = this.#load();
  }

  /** The last good catalog known (from the platform or the cache); null if there never was one. */
  get current(): Catalog | null {
    return this.#current;
  }

  #load(): Catalog | null {
    try {
      const doc = this.kv.getCached(CATALOG_KEY);
      if (doc === undefined) return null;
      const parsed = CatalogSchema.safeParse(JSON.parse(doc.body));
      return parsed.success && this.#check(parsed.data) === null ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** Fetch with If-None-Match; keeps the cached catalog on any failure or rejection. */
  async refresh(signal: AbortSignal): Promise<CatalogRefresh> {
    let etag: string | undefined;
    try {
      etag = this.#rejectedEtag ?? (this.#current === null ? undefined : this.kv.getCached(CATALOG_KEY)?.etag);
    } catch {
      etag = undefined;
    }
    const out = await this.client.getCatalog(etag, signal);
    if (out.kind !== 'ok') return 'failed';
    if (out.value.kind === 'not-modified') return 'not-modified';
    const problem = this.#check(out.value.catalog);
    if (problem !== null) {
      this.#rejectedEtag = out.value.etag;
      return { rejected: problem };
    }
    this.#rejectedEtag = undefined;
    this.kv.putCached(CATALOG_KEY, out.value.etag, JSON.stringify(out.value.catalog));
    this.#current = out.value.catalog;
    return 'updated';
  }
}
