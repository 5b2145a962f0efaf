/**
 * fast-check arbitraries of request bodies that break a route's JSON schema:
 * a valid body with one to three mutations, each of which alone makes it
 * invalid (a field of the wrong type or out of its limits, a required field
 * missing, a field the schema does not have, a prototype key, a string
 * PostgreSQL cannot store), or a body that is not the object it should be at
 * all (scalars, arrays, deep nesting, broken or truncated JSON, huge text).
 * The mutations are derived from the schema itself, so the generator follows
 * the contract as it changes.
 */
import fc from 'fast-check';

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  const?: unknown;
  anyOf?: Schema[];
};

export type Path = Array<string | number>;
export type Mutation =
  | { op: 'set'; path: Path; value: unknown }
  | { op: 'delete'; path: Path }
  | { op: 'add'; path: Path; key: string; value: unknown };

/** A body to send: JSON text, and what was done to it (for the failure report). */
export interface HostileBody {
  raw: string;
  what: string;
}

export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * Deep nesting: far deeper than any contract body, still inside the body
 * limit. JSON.stringify recurses and would overflow the test's own stack, so
 * a marker stands in for the value until the body is written out as text.
 */
const DEEP_MARKER = /"~~deep:(array|object):(\d+)~~"/g;
const deep = fc.tuple(fc.constantFrom('array', 'object'), fc.integer({ min: 20, max: 8000 })).map(([kind, depth]) => `~~deep:${kind}:${depth}~~`);

function bodyText(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(DEEP_MARKER, (_m, kind: string, n: string) =>
    kind === 'array' ? `${'['.repeat(Number(n))}0${']'.repeat(Number(n))}` : `${'{"a":'.repeat(Number(n))}0${'}'.repeat(Number(n))}`,
  );
}

/** Strings PostgreSQL refuses (NUL) or JSON carries but UTF-8 cannot (lone surrogates), amid other unicode. */
export const unstorableString = fc
  .tuple(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\u0000b'), fc.string({ unit: 'grapheme', maxLength: 20 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`);

/** A string over the body limit: the answer is 413 before anything else. */
const huge = fc.integer({ min: 70_000, max: 120_000 }).map((n) => 'x'.repeat(n));

const jsonScalars = {
  string: fc.string({ unit: 'grapheme', maxLength: 30 }),
  number: fc.double({ noNaN: true, noDefaultInfinity: true }),
  integer: fc.integer(),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), deep),
  object: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), deep),
};
type JsonType = keyof typeof jsonScalars;

/** Values of every JSON type not in `allowed` (an integer is a number too). */
function wrongTypes(allowed: readonly string[]): fc.Arbitrary<unknown> {
  const ok = new Set(allowed);
  if (ok.has('number')) ok.add('integer');
  const arbs = (Object.keys(jsonScalars) as JsonType[]).filter((t) => !ok.has(t)).map((t) => jsonScalars[t]);
  return fc.oneof(...arbs);
}

function typesOf(schema: Schema): string[] | undefined {
  if (schema.type) return [schema.type];
  if (schema.const !== undefined) return [schema.const === null ? 'null' : typeof schema.const];
  if (schema.anyOf) {
    const all = schema.anyOf.map(typesOf);
    return all.every(Boolean) ? [...new Set(all.flat() as string[])] : undefined;
  }
  return undefined;
}

const DATE_TIME_START = /^\d{4}-\d\d-\d\d[tT\s]/;
const BAD_DATE_TIMES = ['2024-02-30T10:00:00Z', '2023-02-29T10:00:00Z', '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01T10:00:00', '2024-01-01', '10:00:00Z', '2024-01-01T10:00:00+25:00', '+275760-09-13T00:00:00Z', 'Tue, 01 Jan 2030 10:00:00 GMT'];

/** Values that break `schema`, or undefined when the schema uses something this does not model. */
export function invalidFor(schema: Schema): fc.Arbitrary<unknown> | undefined {
  if (schema.anyOf && schema.anyOf.every((s) => s.const !== undefined)) {
    const allowed = schema.anyOf.map((s) => s.const);
    const types = typesOf(schema)!;
    return fc.oneof(wrongTypes(types), fc.string({ maxLength: 20 }).filter((s) => !allowed.includes(s)), unstorableString);
  }
  const types = typesOf(schema);
  if (!types) return undefined;
  const bad: fc.Arbitrary<unknown>[] = [wrongTypes(types)];
  if (schema.anyOf) return bad[0];
  switch (schema.type) {
    case 'string': {
      bad.push(unstorableString, huge);
      if (schema.minLength) bad.push(fc.string({ maxLength: schema.minLength - 1 }));
      if (schema.maxLength !== undefined) bad.push(fc.string({ minLength: schema.maxLength + 1, maxLength: schema.maxLength + 50 }));
      if (schema.pattern) {
        const re = new RegExp(schema.pattern, 'u');
        bad.push(fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !re.test(s)));
      }
      if (schema.format === 'date-time') bad.push(fc.constantFrom(...BAD_DATE_TIMES), fc.string({ maxLength: 30 }).filter((s) => !DATE_TIME_START.test(s)));
      if (schema.format === 'uri') bad.push(fc.string({ maxLength: 30 }).filter((s) => !s.includes(':')));
      if (schema.format === 'email') bad.push(fc.string({ maxLength: 30 }).filter((s) => !s.includes('@')));
      break;
    }
    case 'integer':
    case 'number': {
      if (schema.type === 'integer') bad.push(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)));
      if (schema.minimum !== undefined) bad.push(fc.integer({ max: Math.ceil(schema.minimum) - 1 }));
      if (schema.maximum !== undefined) bad.push(fc.integer({ min: Math.floor(schema.maximum) + 1 }));
      break;
    }
    case 'array': {
      if (schema.maxItems !== undefined) bad.push(fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 5 }));
      if (schema.minItems) bad.push(fc.constant([]));
      const item = schema.items && invalidFor(schema.items);
      if (item) bad.push(fc.array(item, { minLength: 1, maxLength: 3 }));
      const consts = schema.items?.anyOf?.map((s) => s.const).filter((c) => c !== undefined);
      if (schema.uniqueItems && consts?.length) bad.push(fc.constantFrom(...consts).map((c) => [c, c]));
      break;
    }
    default:
      break;
  }
  return fc.oneof(...bad);
}

/**
 * Every single mutation of `base` (valid for `schema`), each of which alone
 * breaks it. Only fields present in `base` are walked into, so that no
 * mutation lands under a missing parent and silently leaves the body valid.
 */
export function mutationsFor(schema: Schema, base: unknown, path: Path = []): fc.Arbitrary<Mutation>[] {
  const out: fc.Arbitrary<Mutation>[] = [];
  const whole = invalidFor(schema);
  if (whole) out.push(whole.map((value) => ({ op: 'set' as const, path, value })));
  if (schema.type === 'object' && schema.properties && base !== null && typeof base === 'object' && !Array.isArray(base)) {
    const props = schema.properties;
    for (const [key, prop] of Object.entries(props)) {
      if (Object.prototype.hasOwnProperty.call(base, key)) {
        out.push(...mutationsFor(prop, (base as Record<string, unknown>)[key], [...path, key]));
      } else {
        const value = invalidFor(prop);
        if (value) out.push(value.map((v) => ({ op: 'set' as const, path: [...path, key], value: v })));
      }
    }
    for (const key of schema.required ?? []) out.push(fc.constant({ op: 'delete' as const, path: [...path, key] }));
    if (schema.additionalProperties === false) {
      const unknownKey = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !Object.prototype.hasOwnProperty.call(props, k));
      out.push(fc.tuple(unknownKey, fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => ({ op: 'add' as const, path, key, value })));
    }
    out.push(fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => ({ op: 'add' as const, path, key, value })));
  }
  return out;
}

/** Applies mutations to a copy of `base`; a mutation under a parent an earlier one replaced is skipped. */
export function applyMutations(base: unknown, mutations: readonly Mutation[]): unknown {
  let root = structuredClone(base);
  for (const m of mutations) {
    if (m.path.length === 0 && m.op === 'set') {
      root = m.value;
      continue;
    }
    const target = m.op === 'add' ? m.path : m.path.slice(0, -1);
    let node: unknown = root;
    for (const step of target) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[step as string] : undefined;
    if (node === null || typeof node !== 'object' || Array.isArray(node)) continue;
    const obj = node as Record<string, unknown>;
    const last = m.path[m.path.length - 1] as string;
    // defineProperty: a plain assignment of "__proto__" would set the prototype instead of a key.
    if (m.op === 'set') Object.defineProperty(obj, last, { value: m.value, enumerable: true, writable: true, configurable: true });
    if (m.op === 'delete') delete obj[last];
    if (m.op === 'add') Object.defineProperty(obj, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

function describe(m: Mutation): string {
  const at = m.path.join('.') || 'body';
  const short = (v: unknown) => {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 60 ? `${s.slice(0, 60)}…(${s.length})` : s;
  };
  if (m.op === 'set') return `set ${at}=${short(m.value)}`;
  if (m.op === 'delete') return `delete ${at}`;
  return `add ${at}.${m.key}=${short(m.value)}`;
}

/** Hostile bodies for a route whose valid body is `base` under `schema`. */
export function hostileBodies(schema: object, base: unknown): fc.Arbitrary<HostileBody> {
  const mutations = mutationsFor(schema as Schema, base);
  const mutated = fc.array(fc.oneof(...mutations), { minLength: 1, maxLength: 3 }).map((ms) => ({
    raw: bodyText(applyMutations(base, ms)),
    what: ms.map(describe).join('; '),
  }));
  const baseText = JSON.stringify(base);
  const notJson = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }).map((raw) => ({ raw, what: 'arbitrary text' })),
    fc.integer({ min: 1, max: baseText.length - 1 }).map((n) => ({ raw: baseText.slice(0, n), what: `truncated at ${n}` })),
    fc.constantFrom('', ' ', 'null', '[]', '""', '0', 'true', `\uFEFF${baseText}`, `${baseText}x`, `/* c */${baseText}`, baseText.replace(/"/g, "'")).map((raw) => ({ raw, what: `literal ${JSON.stringify(raw.slice(0, 30))}` })),
  );
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: notJson });
}
