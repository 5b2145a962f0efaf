import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received: platform signatures are computed over it. */
    rawBody?: string;
  }
}

/**
 * JSON bodies are parsed from the raw text, which is kept for signature checks.
 * `contentType`: another JSON media type a plugin takes for its own routes
 * (application/merge-patch+json).
 */
export function registerRawJson(app: FastifyInstance, contentType = 'application/json'): void {
  app.addContentTypeParser(contentType, { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    req.rawBody = text;
    if (text.trim() === '') return done(new ApiError(400, 'invalid_request', 'body must be a JSON object'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, 'malformed_json', `body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
}
