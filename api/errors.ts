import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Every failure a handler means to report: a status, a code, and the field at fault if any. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface AjvError {
  instancePath: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
  /** With ajv's `verbose` option (api/app.ts). */
  parentSchema?: { description?: unknown };
  data?: unknown;
}

/** "/data/candidate/phone" (or a missing property) → "data.candidate.phone". */
export function fieldOf(err: AjvError, prefix?: string): string {
  const parts = err.instancePath.split('/').filter(Boolean);
  const missing = err.params?.missingProperty;
  if (typeof missing === 'string') parts.push(missing);
  const extra = err.params?.additionalProperty;
  if (typeof extra === 'string') parts.push(extra);
  // A discriminated union (the event envelope) names the property that picks its variant.
  const tag = err.params?.tag;
  if (typeof tag === 'string') parts.push(tag);
  return [prefix, ...parts].filter(Boolean).join('.') || prefix || 'body';
}

/** What ajv says, made readable: an unexpected field is named as such. */
function messageOf(err: AjvError): string {
  if (typeof err.params?.additionalProperty === 'string') return 'is not an allowed field';
  if (err.params?.error === 'tag') return 'is required and must be a string';
  if (err.params?.error === 'mapping') return 'is not one of the allowed values';
  // A pattern is for machines; its description says the rule in words, and the value shows what broke it.
  if (err.keyword === 'pattern' && typeof err.parentSchema?.description === 'string') {
    return `must be ${err.parentSchema.description} (got ${JSON.stringify(err.data).slice(0, 100)})`;
  }
  return err.message ?? 'is invalid';
}

/** A rule between fields (api/schemas/alerts.ts, `rule`): its description names the field and says what it needs. */
function ruleOf(err: AjvError, prefix?: string): { field: string; message: string } | undefined {
  const description = err.keyword === 'anyOf' ? err.parentSchema?.description : undefined;
  const m = typeof description === 'string' ? /^([\w.]+): (.+)$/.exec(description) : null;
  return m ? { field: [prefix, m[1]].filter(Boolean).join('.'), message: m[2]! } : undefined;
}

export function validationError(errors: AjvError[], prefix?: string): ApiError {
  // ajv lists a failed rule's branches before the rule itself: the rule is the one error to report.
  const rule = errors.map((e) => ruleOf(e, prefix)).find((r) => r !== undefined);
  const details = rule ? [rule] : errors.map((e) => ({ field: fieldOf(e, prefix), message: messageOf(e) }));
  const first = details[0] ?? { field: prefix ?? 'body', message: 'is invalid' };
  return new ApiError(400, 'invalid_request', `${first.field} ${first.message}`, details);
}

/** The header or parameter an authentication failure is about, for errors raised without details. */
const FIELD_OF_CODE: Record<string, string> = {
  missing_api_key: 'headers.x-api-key',
  unknown_api_key: 'headers.x-api-key',
  revoked_api_key: 'headers.x-api-key',
  missing_signature: 'headers.x-signature',
  malformed_signature: 'headers.x-signature',
  stale_signature: 'headers.x-signature',
  bad_signature: 'headers.x-signature',
  missing_token: 'headers.authorization',
  invalid_token: 'headers.authorization',
  token_expired: 'headers.authorization',
  forbidden: 'headers.authorization',
  invalid_link: 'params.token',
  no_session: 'headers.cookie',
  session_ended: 'headers.cookie',
  csrf_token_missing: 'headers.x-csrf-token',
  csrf_token_invalid: 'headers.x-csrf-token',
  link_expired: 'params.token',
};

/** The body types a route takes: its schema's `consumes`, else JSON. */
function acceptedMediaTypes(req: FastifyRequest): string[] {
  const consumes = (req.routeOptions?.schema as { consumes?: string[] } | undefined)?.consumes;
  return consumes?.length ? consumes : ['application/json'];
}

/** 415 naming the content-type the caller sent and the ones the route takes. */
export function unsupportedMediaType(req: FastifyRequest, accepted: string[]): ApiError {
  const received = req.headers['content-type'] ?? null;
  return new ApiError(415, 'unsupported_media_type', `content-type must be ${accepted.join(' or ')}, got ${received ?? 'none'}`, {
    field: 'headers.content-type',
    received,
    accepted,
  });
}

/** Refuses (415) a body whose content-type is not one the route's schema `consumes` (or JSON): for plugins that parse more than one JSON type. */
export async function requireRouteMediaType(req: FastifyRequest): Promise<void> {
  const accepted = acceptedMediaTypes(req);
  const received = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (!accepted.includes(received)) throw unsupportedMediaType(req, accepted);
}

/** Fastify's own failures, before a handler runs, in the contract's terms. */
function fromFastify(err: FastifyError, req: FastifyRequest, bodyLimit: number): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', `body is larger than ${bodyLimit} bytes`, { field: 'body', limitBytes: bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(req, acceptedMediaTypes(req));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid_request', 'body must be a JSON object', [{ field: 'body', message: 'must be a JSON object' }]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(400, 'malformed_json', `body is not valid JSON: ${err.message}`, [{ field: 'body', message: 'is not valid JSON' }]);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'invalid_request', 'content-length does not match the body', [{ field: 'headers.content-length', message: 'does not match the body' }]);
    // @fastify/csrf-protection (api/console-session.ts): no CSRF secret in the session yet, or a token that is not its own.
    case 'FST_CSRF_MISSING_SECRET':
    case 'FST_CSRF_INVALID_TOKEN':
      return new ApiError(403, 'csrf_token_invalid', 'x-csrf-token is not this session\'s CSRF token (GET /v1/session gives it)');
    case 'FST_ERR_BAD_URL':
      return new ApiError(400, 'invalid_request', 'the URL is not valid', [{ field: 'url', message: 'is not valid' }]);
    default:
      return undefined;
  }
}

/** Details for errors raised without any: a 400 lists fields as validation does, others name their field. */
function defaultDetails(err: ApiError): unknown {
  if (err.code === 'malformed_json') return [{ field: 'body', message: 'is not valid JSON' }];
  if (err.statusCode === 400 && err.code === 'invalid_request') return [{ field: 'body', message: err.message.replace(/^body /, '') }];
  const field = FIELD_OF_CODE[err.code];
  return field ? { field } : undefined;
}

function send(reply: FastifyReply, err: ApiError) {
  if (err.statusCode === 503) reply.header('retry-after', '10');
  const details = err.details ?? defaultDetails(err);
  return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(details === undefined ? {} : { details }) } });
}

/**
 * The methods the app serves a concrete path with, from its route table
 * (api/plugins/route-table.ts): `:param` matches one segment, `*` the rest.
 * Built on first use, once every route is registered.
 */
function methodsByPath(app: FastifyInstance): (path: string) => string[] {
  let patterns: { pattern: RegExp; method: string; catchAll: boolean }[] | undefined;
  return (path) => {
    patterns ??= (app.hasDecorator('routeTable') ? app.routeTable : []).map((r) => ({
      method: r.method,
      catchAll: r.url.includes('*'),
      pattern: new RegExp(
        `^${r.url
          .split(/(:[A-Za-z0-9_]+|\*)/)
          .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('')}$`,
      ),
    }));
    let decoded = path;
    try {
      decoded = decodeURI(path);
    } catch {
      // a malformed escape: match it as sent
    }
    const matching = patterns.filter((p) => p.pattern.test(path) || p.pattern.test(decoded));
    // A catch-all (CORS preflight's OPTIONS *) makes no path known by itself.
    if (!matching.some((p) => !p.catchAll)) return [];
    return [...new Set(matching.map((p) => p.method))].sort();
  };
}

/**
 * Failures the router answers before any hook or handler (a URL that does not
 * decode, a path parameter over the router's length limit), in the contract's shape.
 */
export function frameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', req.id);
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    send(reply, new ApiError(414, 'uri_too_long', 'a path segment is longer than the API takes', { field: 'url' }));
    return;
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    send(reply, new ApiError(400, 'invalid_request', 'the URL is not valid', [{ field: 'url', message: 'is not valid' }]));
    return;
  }
  req.log.error({ err }, 'router error');
  send(reply, new ApiError(500, 'internal', 'internal error'));
}

/** Handlers throw; this one place turns what they throw into the contract's error shape. */
export function registerErrorHandling(app: FastifyInstance): void {
  const allowed = methodsByPath(app);
  const notFound = (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? req.url;
    // A path the API serves, asked with another method: 405 saying which methods it takes.
    const methods = allowed(path);
    if (methods.length > 0 && !methods.includes(req.method)) {
      reply.header('allow', methods.join(', '));
      return send(reply, new ApiError(405, 'method_not_allowed', `${path} takes ${methods.join(', ')}, not ${req.method}`, { method: req.method, path, allowed: methods }));
    }
    return send(reply, new ApiError(404, 'not_found', `no route ${req.method} ${path}`, { method: req.method, path }));
  };
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      if (err.statusCode >= 500) req.log.warn({ code: err.code }, err.message);
      return send(reply, err);
    }
    // No route matched, but Fastify parsed the body first (a QUERY without a content-type, say): still a 404 or 405.
    if (req.is404) return notFound(req, reply);
    if (err.validation) {
      const prefix = err.validationContext === 'body' ? undefined : err.validationContext;
      return send(reply, validationError(err.validation as AjvError[], prefix));
    }
    const known = fromFastify(err, req, app.initialConfig.bodyLimit ?? 0);
    if (known) return send(reply, known);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, new ApiError(err.statusCode, 'bad_request', err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return send(reply, new ApiError(500, 'internal', 'internal error'));
  });
  // Probing for routes counts against the address's anonymous rate limit (api/plugins/rate-limit.ts), when there is one.
  if (app.hasDecorator('chargeCaller')) app.setNotFoundHandler({ preHandler: app.chargeCaller }, notFound);
  else app.setNotFoundHandler(notFound);
}
