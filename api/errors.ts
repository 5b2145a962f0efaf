import type { FastifyError, FastifyInstance } from 'fastify';

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
  message?: string;
  params?: Record<string, unknown>;
}

/** "/data/candidate/phone" (or a missing property) → "data.candidate.phone". */
export function fieldOf(err: AjvError, prefix?: string): string {
  const parts = err.instancePath.split('/').filter(Boolean);
  const missing = err.params?.missingProperty;
  if (typeof missing === 'string') parts.push(missing);
  const extra = err.params?.additionalProperty;
  if (typeof extra === 'string') parts.push(extra);
  return [prefix, ...parts].filter(Boolean).join('.') || prefix || 'body';
}

export function validationError(errors: AjvError[], prefix?: string): ApiError {
  const details = errors.map((e) => ({ field: fieldOf(e, prefix), message: e.message ?? 'is invalid' }));
  const first = details[0] ?? { field: prefix ?? 'body', message: 'is invalid' };
  return new ApiError(400, 'invalid_request', `${first.field} ${first.message}`, details);
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_request'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json'],
};

/** Handlers throw; this one place turns what they throw into the contract's error shape. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    if (err.validation) {
      const prefix = err.validationContext === 'body' ? undefined : err.validationContext;
      const e = validationError(err.validation as AjvError[], prefix);
      return reply.status(400).send({ error: { code: e.code, message: e.message, details: e.details } });
    }
    const known = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (known) return reply.status(known[0]).send({ error: { code: known[1], message: err.message } });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({ error: { code: 'bad_request', message: err.message } });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'internal error' } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );
}
