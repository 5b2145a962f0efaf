/**
 * Checks every parsed request body (and the query and path parameters, for
 * their strings) for what a JSON schema does not catch but
 * the rest of the system cannot take: prototype keys (`__proto__`,
 * `constructor`, `prototype`), nesting deeper than any contract body needs,
 * and strings PostgreSQL refuses to store (NUL, unpaired UTF-16 surrogates),
 * which would otherwise pass validation and fail later as a 500.
 *
 * It runs as a preHandler, after authentication and schema validation, so an
 * unauthenticated caller learns nothing new and a handler never sees such a body.
 *
 * The OpenAPI document states the string rule once, in words (api/app.ts): as
 * a pattern on every string it would be exact but no regex engine of the
 * OpenAPI tools can name surrogates, and spelling out the allowed code points
 * makes schema-driven generators crawl.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors';

/** The deepest contract body (an event's data.candidate.*) nests 3 levels; this leaves room for webhooks. */
export const MAX_BODY_DEPTH = 16;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function fieldName(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'body' : path.map(String).join('.');
}

function reject(path: readonly (string | number)[], message: string): ApiError {
  const field = fieldName(path);
  return new ApiError(400, 'invalid_request', `${field} ${message}`, [{ field, message }]);
}

/** Walks a parsed JSON value without recursion (a hostile body cannot exhaust the stack); `prefix` names where it came from (querystring). */
export function checkBody(body: unknown, prefix: (string | number)[] = []): ApiError | undefined {
  const stack: Array<{ value: unknown; path: (string | number)[] }> = [{ value: body, path: prefix }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return reject(path, 'must not contain NUL characters or unpaired surrogates');
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_BODY_DEPTH) return reject(path, `nests deeper than ${MAX_BODY_DEPTH} levels`);
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return reject([...path, key], 'is not an allowed key');
      if (UNSTORABLE.test(key)) return reject(path, 'has a key with NUL characters or unpaired surrogates');
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}

async function bodyGuard(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', async (req) => {
    // Query and path parameters reach SQL as much as bodies do (GET /v1/interviews?positionId=%00).
    const problem =
      checkBody(req.query, ['querystring']) ??
      checkBody(req.params, ['params']) ??
      (req.body !== null && typeof req.body === 'object' ? checkBody(req.body) : undefined);
    if (problem) throw problem;
  });
}

export default fp(bodyGuard, { name: 'turnout-body-guard', fastify: '5.x' });
