// Is this Node.js one the kiosk supports? The range is package.json "engines.node" (one fact, one place).
// Imported first by every entry point (npm start, npm test, kioskctl), before anything that could fail on an
// old Node in a less clear way, so this file keeps to plain syntax and built-ins.
// Bare module names ('fs', not 'node:fs'): Node 12 before 12.20 knows no "node:" imports.
import { readFileSync } from 'fs';

/** Parses "20", "20.19", "20.19.1", "20.x", "v20.19.1" into [major, minor, patch] with null for a wildcard. */
function parsePartial(text) {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?$/.exec(text);
  if (!m) throw new Error('not a version: "' + text + '"');
  return [m[1], m[2], m[3]].map(function (p) {
    return p === undefined || /^[xX*]$/.test(p) ? null : Number(p);
  });
}

function cmp(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** The half-open interval [low, high) a comparator allows; null means unbounded. */
function interval(op, partial) {
  const p = partial;
  const known = p.filter(function (x) { return x !== null; }).length;
  // "*" alone: any version, except ">*" and "<*", which npm reads as none.
  if (known === 0) return op === '>' || op === '<' ? [[0, 0, 0], [0, 0, 0]] : [null, null];
  const low = [p[0] || 0, p[1] || 0, p[2] || 0];
  // The first version above everything the partial version names: 20 -> 21.0.0, 20.19 -> 20.20.0.
  const next = known === 1 ? [p[0] + 1, 0, 0] : known === 2 ? [p[0], p[1] + 1, 0] : [p[0], p[1], p[2] + 1];
  switch (op) {
    case '':
    case '=':
      return [low, next];
    case '>=':
      return [low, null];
    case '>':
      return [next, null];
    case '<':
      return [null, low];
    case '<=':
      return [null, next];
    case '^': {
      // ^20.19.1 -> <21.0.0; ^0.2.3 -> <0.3.0; ^0.0.3 -> <0.0.4
      const hi = low[0] > 0 || known === 1 ? [low[0] + 1, 0, 0] : low[1] > 0 || known === 2 ? [0, low[1] + 1, 0] : [0, 0, low[2] + 1];
      return [low, hi];
    }
    case '~':
      return [low, known === 1 ? [low[0] + 1, 0, 0] : [low[0], low[1] + 1, 0]];
    default:
      throw new Error('unsupported operator "' + op + '"');
  }
}

/**
 * Does `version` ("20.19.1" or "v20.19.1") satisfy the npm range `range` (">=20.19 <23", "^20.19 || ^22",
 * "20.x")? Supports the comparators npm documents except hyphen ranges, which throw rather than guess.
 */
export function satisfies(version, range) {
  const v = parsePartial(version.trim());
  if (v.some(function (x) { return x === null; })) throw new Error('not a full version: "' + version + '"');
  if (/\s-\s/.test(range)) throw new Error('hyphen ranges are not supported: "' + range + '"');
  return range.split('||').some(function (set) {
    // ">= 20.19" is ">=20.19": an operator may stand apart from its version.
    const parts = set.replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return true; // "" and "*" mean any version
    return parts.every(function (part) {
      const m = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(part);
      if (!m) throw new Error('not a comparator: "' + part + '"');
      const bounds = interval(m[1] || '', parsePartial(m[2]));
      return (bounds[0] === null || cmp(v, bounds[0]) >= 0) && (bounds[1] === null || cmp(v, bounds[1]) < 0);
    });
  });
}

/** package.json "engines.node" of the repository at `root`. */
export function enginesRange(root) {
  const pkg = JSON.parse(readFileSync(root + '/package.json', 'utf8'));
  const range = pkg.engines && pkg.engines.node;
  if (typeof range !== 'string') throw new Error('package.json has no "engines.node"');
  return range;
}

/** null when `version` is supported, otherwise the sentence that says why not and what to do. */
export function unsupportedNodeMessage(who, version, range) {
  if (satisfies(version, range)) return null;
  return (
    who + ': Node.js ' + version.replace(/^v/, '') + ' is not supported: this kiosk needs Node.js ' + range +
    ' (package.json "engines"). Install a supported Node.js (Debian: the NodeSource "node_20.x" or "node_22.x" ' +
    'repository, or nvm) and run the command again.'
  );
}

/** Exits with status 1 and the message on stderr when this Node is outside the engines range. */
export function refuseUnsupportedNode(who, root) {
  const message = unsupportedNodeMessage(who, process.version, enginesRange(root));
  if (message === null) return;
  console.error(message);
  process.exit(1);
}
