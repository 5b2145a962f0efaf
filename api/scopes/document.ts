/**
 * What all routes of a scope have in common, said once in the OpenAPI
 * document: how their caller authenticates, and that a scope which charges
 * its callers' budget may answer 429.
 */
import type { onRouteHookHandler, FastifySchema } from 'fastify';
import { ErrorBody } from '../schemas/common';

export interface ScopeDocument {
  /** The security requirement of every route (a scheme of the document's components). */
  security?: Array<Record<string, string[]>>;
  /** Whether the scope's routes are rate limited (they may answer 429). */
  rateLimited: boolean;
}

export function documentScope(doc: ScopeDocument): onRouteHookHandler {
  return (route) => {
    const schema: FastifySchema = route.schema ?? {};
    const response = (schema.response as Record<string, unknown> | undefined) ?? {};
    route.schema = {
      ...schema,
      ...(doc.security ? { security: doc.security } : {}),
      response: doc.rateLimited ? { 429: { description: 'Too many requests from this client', ...ErrorBody }, ...response } : response,
    };
  };
}
