/**
 * An independent check of HTTP exchanges against main/platform/openapi.json: ajv 8 (JSON Schema 2020-12, the OpenAPI
 * 3.1 dialect's base) with ajv-formats, reading only the description — never the project's zod schemas.
 *
 * `checkRequest` finds the operation by method and path template and validates path, query and header parameters
 * (the signing headers included) and the body against its media type; `checkResponse` validates that the status is
 * declared for the operation, the content type and body against the declared schema, and the declared headers — and
 * flags the API's own headers (Retry-After, ETag, Idempotent-Replayed) when a reply carries one it does not declare.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export is the function under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export interface OpenApiDoc {
  openapi: string;
  info: { version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Response>; parameters: Record<string, Parameter>; headers: Record<string, Header> };
}
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: unknown;
  $ref?: string;
}
export interface Header {
  schema: unknown;
  required?: boolean;
  $ref?: string;
}
export interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, { schema: unknown }>;
  headers?: Record<string, Header>;
}
export interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, Response>;
  'x-max-request-bytes'?: number;
}

export const SPEC_FILE = fileURLToPath(new URL('../../../main/platform/openapi.json', import.meta.url));
export const doc = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as OpenApiDoc;

const SPEC_ID = 'https://kiosk.invalid/openapi.json';
/** Headers that belong to the API (a reply carrying one the operation does not declare is a violation). */
const API_HEADERS = ['retry-after', 'etag', 'idempotent-replayed'];

export const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The whole description as one schema document, so `#/components/...` references resolve inside it.
ajv.addSchema(doc as unknown as object, SPEC_ID);

const compiled = new Map<string, ValidateFunction>();
function pointer(parts: readonly string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}
/** The validator of the schema at a JSON pointer into openapi.json. */
export function validatorAt(parts: readonly string[]): ValidateFunction {
  const ref = `${SPEC_ID}#/${pointer(parts)}`;
  let v = compiled.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    compiled.set(ref, v);
  }
  return v;
}

function resolve<T extends { $ref?: string }>(x: T): T {
  if (x.$ref === undefined) return x;
  const parts = x.$ref.replace(/^#\//, '').split('/');
  let cur: unknown = doc;
  for (const p of parts) cur = (cur as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  return resolve(cur as T);
}

function refParts(x: { $ref?: string }, fallback: string[]): string[] {
  // The pointer of the resolved object (so $refs inside it resolve and compiled validators are shared).
  if (x.$ref === undefined) return fallback;
  const parts = x.$ref.replace(/^#\//, '').split('/');
  const target = (() => {
    let cur: unknown = doc;
    for (const p of parts) cur = (cur as Record<string, unknown>)[p];
    return cur as { $ref?: string };
  })();
  return refParts(target, parts);
}

export interface Exchange {
  method: string;
  /** Request target as sent (path and query). */
  target: string;
  requestHeaders: Record<string, string | string[] | undefined>;
  requestBody: Buffer;
  /** null when no reply arrived (reset, dropped). */
  reply: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer } | null;
}

export interface Match {
  path: string;
  method: string;
  op: Operation;
  params: Record<string, string>;
}

const templates = Object.keys(doc.paths).map((p) => ({
  path: p,
  names: [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? ''),
  re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
}));

export function findOperation(method: string, target: string): Match | undefined {
  const path = new URL(target, 'http://x.invalid').pathname;
  for (const t of templates) {
    const m = t.re.exec(path);
    if (!m) continue;
    const op = doc.paths[t.path]?.[method.toLowerCase()];
    if (!op) continue;
    const params: Record<string, string> = {};
    t.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? '')));
    return { path: t.path, method: method.toLowerCase(), op, params };
  }
  return undefined;
}

function errorsOf(v: ValidateFunction): string {
  return ajv.errorsText(v.errors, { separator: '; ' });
}

function single(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(', ') : h;
}

function mediaType(h: string | undefined): string {
  return (h ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Problems of a request against the description (empty = valid). */
export function checkRequest(x: Pick<Exchange, 'method' | 'target' | 'requestHeaders' | 'requestBody'>): string[] {
  const found = findOperation(x.method, x.target);
  if (!found) return [`${x.method} ${x.target}: no such operation`];
  const { op, path, method } = found;
  const problems: string[] = [];
  const where = `${op.operationId} request`;
  const query = new URL(x.target, 'http://x.invalid').searchParams;
  (op.parameters ?? []).forEach((raw, i) => {
    const p = resolve(raw);
    const parts = refParts(raw, ['paths', path, method, 'parameters', String(i)]);
    const value = p.in === 'path' ? found.params[p.name] : p.in === 'query' ? (query.get(p.name) ?? undefined) : single(x.requestHeaders[p.name.toLowerCase()]);
    if (value === undefined) {
      if (p.required) problems.push(`${where}: ${p.in} parameter ${p.name} missing`);
      return;
    }
    const v = validatorAt([...parts, 'schema']);
    if (!v(value)) problems.push(`${where}: ${p.in} parameter ${p.name}: ${errorsOf(v)}`);
  });
  const max = op['x-max-request-bytes'];
  if (max === undefined) problems.push(`${where}: operation declares no x-max-request-bytes`);
  else if (x.requestBody.length > max) problems.push(`${where}: body of ${x.requestBody.length} bytes over x-max-request-bytes ${max}`);
  if (op.requestBody) {
    const type = mediaType(single(x.requestHeaders['content-type']));
    const media = op.requestBody.content[type];
    if (!media) problems.push(`${where}: content-type ${type || '(none)'} not declared`);
    else if (type === 'application/json') {
      let json: unknown;
      try {
        json = JSON.parse(x.requestBody.toString('utf8'));
      } catch {
        problems.push(`${where}: body is not JSON`);
        return problems;
      }
      const v = validatorAt(['paths', path, method, 'requestBody', 'content', type, 'schema']);
      if (!v(json)) problems.push(`${where}: body: ${errorsOf(v)}`);
    }
  } else if (x.requestBody.length > 0) problems.push(`${where}: a body on an operation without one`);
  return problems;
}

/** Problems of a reply against the description (empty = valid). */
export function checkResponse(x: Exchange): string[] {
  const found = findOperation(x.method, x.target);
  if (!found) return [`${x.method} ${x.target}: no such operation`];
  if (x.reply === null) return [];
  const { op, path, method } = found;
  const status = String(x.reply.status);
  const where = `${op.operationId} ${status}`;
  const declared = op.responses[status];
  if (!declared) return [`${where}: status not declared for this operation`];
  const r = resolve(declared);
  const base = refParts(declared, ['paths', path, method, 'responses', status]);
  const problems: string[] = [];
  const type = mediaType(single(x.reply.headers['content-type']));
  if (r.content) {
    const media = r.content[type];
    if (!media) problems.push(`${where}: content-type ${type || '(none)'} not declared`);
    else {
      let json: unknown;
      try {
        json = JSON.parse(x.reply.body.toString('utf8'));
      } catch {
        problems.push(`${where}: body is not JSON`);
      }
      if (json !== undefined) {
        const v = validatorAt([...base, 'content', type, 'schema']);
        if (!v(json)) problems.push(`${where}: body: ${errorsOf(v)}`);
      }
    }
  } else if (x.reply.body.length > 0) problems.push(`${where}: a body where none is declared`);
  const headers = r.headers ?? {};
  const declaredNames = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  for (const [name, rawHeader] of Object.entries(headers)) {
    const h = resolve(rawHeader);
    const value = single(x.reply.headers[name.toLowerCase()]);
    if (value === undefined) {
      if (h.required) problems.push(`${where}: header ${name} missing`);
      continue;
    }
    const v = validatorAt([...refParts(rawHeader, [...base, 'headers', name]), 'schema']);
    if (!v(value)) problems.push(`${where}: header ${name}: ${errorsOf(v)}`);
  }
  for (const name of API_HEADERS) if (x.reply.headers[name] !== undefined && !declaredNames.has(name)) problems.push(`${where}: header ${name} sent but not declared`);
  return problems;
}

/** Every (operationId, status) the description declares. */
export function declaredResponses(): string[] {
  const out: string[] = [];
  for (const item of Object.values(doc.paths)) for (const op of Object.values(item)) for (const status of Object.keys(op.responses)) out.push(`${op.operationId} ${status}`);
  return out.sort();
}

/** The error codes a response declares (its `code` enum), or undefined when it declares none. */
export function declaredCodes(op: Operation, status: string): string[] | undefined {
  const declared = op.responses[status];
  if (!declared) return undefined;
  const r = resolve(declared);
  const schema = r.content?.['application/json']?.schema as { allOf?: { properties?: { code?: { enum?: string[] } } }[] } | undefined;
  return schema?.allOf?.flatMap((s) => s.properties?.code?.enum ?? []);
}
