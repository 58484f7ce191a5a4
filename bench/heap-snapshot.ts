/**
 * What a V8 heap snapshot holds, in three parts: the program's objects (what JavaScript can reach: objects,
 * closures, strings, numbers, array buffers' data), V8's compiled code (type "code"), and V8's own bookkeeping
 * (hidden system objects such as the WeakArrayList of compiled functions, internal arrays, synthetic roots).
 * Two snapshots after a forced GC, far apart in a run, say whether the program's objects grow and which ones.
 */
import fs from 'node:fs';
import { z } from 'zod';

const Snapshot = z.object({
  snapshot: z.object({ meta: z.object({ node_fields: z.array(z.string()), node_types: z.tuple([z.array(z.string())]).rest(z.unknown()) }) }),
  nodes: z.array(z.number()),
  strings: z.array(z.string()),
});

export interface HeapParts {
  /** Bytes (self sizes) of the program's objects, by constructor name ("(string)" for strings). */
  objects: Map<string, number>;
  objectBytes: number;
  codeBytes: number;
  internalBytes: number;
}

const INTERNAL = new Set(['hidden', 'array', 'synthetic', 'object shape']);
const STRINGS = new Set(['string', 'concatenated string', 'sliced string']);

export function heapParts(file: string): HeapParts {
  const s = Snapshot.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  if (iType < 0 || iName < 0 || iSize < 0) throw new Error(`${file}: a heap snapshot without type, name or self_size`);
  const objects = new Map<string, number>();
  let objectBytes = 0;
  let codeBytes = 0;
  let internalBytes = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType] ?? -1] ?? '?';
    const size = s.nodes[i + iSize] ?? 0;
    if (type === 'code') codeBytes += size;
    else if (INTERNAL.has(type)) internalBytes += size;
    else {
      const name = STRINGS.has(type) ? '(string)' : type === 'object' || type === 'closure' || type === 'native' ? (s.strings[s.nodes[i + iName] ?? -1] ?? '?').slice(0, 60) : `(${type})`;
      objects.set(name, (objects.get(name) ?? 0) + size);
      objectBytes += size;
    }
  }
  return { objects, objectBytes, codeBytes, internalBytes };
}

/** The constructors whose bytes grew most from `a` to `b`. */
export function topGrowth(a: HeapParts, b: HeapParts, n = 3): { name: string; bytes: number }[] {
  const names = new Set([...a.objects.keys(), ...b.objects.keys()]);
  return [...names]
    .map((name) => ({ name, bytes: (b.objects.get(name) ?? 0) - (a.objects.get(name) ?? 0) }))
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, n);
}
