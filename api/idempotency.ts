/**
 * `Idempotency-Key` on HR and candidate writes: a client that retries a write
 * (after a 503, a dropped connection, a timeout) sends the same key, and the
 * write applies once.
 *
 * - The first request with a key stores the key with a hash of the request
 *   (method, route, parameters, query, body) and, when it answers, its
 *   outcome. A retry with the same key and the same request gets that outcome
 *   again (with `Idempotency-Replayed: true`), whatever has changed since; the
 *   same key with another request is 422 `idempotency_key_reused`; a retry
 *   while the first is still working is 409 `idempotency_key_in_progress`.
 * - An outcome that says nothing about the change (a 5xx, a 429) is not kept:
 *   the retry runs the write again, with the same audit entry, whose id is
 *   the workflow update's id. Temporal answers a repeated update id in the
 *   same run with its first result, and the workflow remembers the ids it has
 *   applied across continue-as-new (workflows/interview.ts), so a change that
 *   did apply before the 5xx is not applied twice.
 *
 * Keys belong to their caller (an HR subject in a group, or a self-service
 * link) and are remembered for 24 hours.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, onRouteHookHandler } from 'fastify';
import { canonicalJson } from '../domain/canonical-json';
import { Prisma, type PrismaClient } from '../lib/database';
import { ApiError } from './errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Visible ASCII, as a UUID or any other client-made token is. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const REMEMBERED_MS = 24 * 3600_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The key row this request works under, and the change ref it carries; set on writes that sent a key. */
    idempotency: { id: string; ref: string | null } | null;
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const isWrite = (method: string | string[]) => (Array.isArray(method) ? method : [method]).some((m) => WRITE_METHODS.has(m));

/** The header in the OpenAPI document of every write in the scope. */
const documentHeader: onRouteHookHandler = (route) => {
  if (!isWrite(route.method)) return;
  const schema: FastifySchema = route.schema ?? {};
  const headers = (schema.headers as { type?: string; properties?: Record<string, unknown> } | undefined) ?? { type: 'object' };
  route.schema = {
    ...schema,
    headers: {
      ...headers,
      type: 'object',
      properties: {
        ...headers.properties,
        [IDEMPOTENCY_HEADER]: {
          type: 'string',
          minLength: 1,
          maxLength: 255,
          pattern: '^[\\x21-\\x7e]+$',
          description:
            'Makes a retried write apply once: the same key with the same request gets the first outcome again (Idempotency-Replayed: true); the same key with another request is 422. Keys are per caller and remembered for 24 hours.',
        },
      },
    },
  };
};

/** The request as the key's hash covers it. */
function requestHash(req: FastifyRequest): string {
  const content = canonicalJson({
    method: req.method,
    route: req.routeOptions.url ?? req.url,
    params: req.params ?? null,
    query: req.query ?? null,
    body: req.body ?? null,
  });
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Adds the key to the scope's writes. `at` is the hook that looks the key up:
 * after the caller is known (HR: preHandler) or before the link is judged
 * (candidates: preValidation, so a retry still gets its outcome once the link
 * has been used up by the change itself). `scopeOf` names whose keys they are.
 */
export function idempotentWrites(
  app: FastifyInstance,
  opts: { prisma: PrismaClient; at: 'preValidation' | 'preHandler'; scopeOf: (req: FastifyRequest) => string; inProgressMs: number },
): void {
  const { prisma } = opts;
  app.decorateRequest('idempotency', null);
  app.addHook('onRoute', documentHeader);

  app.addHook(opts.at, async (req: FastifyRequest, reply: FastifyReply) => {
    if (!WRITE_METHODS.has(req.method)) return;
    const key = req.headers[IDEMPOTENCY_HEADER];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new ApiError(400, 'invalid_request', 'Idempotency-Key must be 1 to 255 visible ASCII characters', [
        { field: `headers.${IDEMPOTENCY_HEADER}`, message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const scope = opts.scopeOf(req);
    const hash = requestHash(req);
    for (let round = 0; ; round++) {
      try {
        const row = await prisma.idempotencyKey.create({ data: { scope, key, requestHash: hash } });
        req.idempotency = { id: row.id, ref: null };
        return;
      } catch (err) {
        if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') || round > 0) throw err;
      }
      const row = await prisma.idempotencyKey.findUnique({ where: { scope_key: { scope, key } } });
      if (!row) continue;
      if (Date.now() - row.createdAt.getTime() > REMEMBERED_MS) {
        // Forgotten: the key starts afresh.
        await prisma.idempotencyKey.deleteMany({ where: { id: row.id, createdAt: row.createdAt } });
        continue;
      }
      if (row.requestHash !== hash) {
        throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was already used for another request', [
          { field: `headers.${IDEMPOTENCY_HEADER}`, message: 'was already used for another request' },
        ]);
      }
      if (row.status === 'COMPLETED') {
        reply.code(row.responseStatus!).header('idempotency-replayed', 'true');
        if (row.responseType) reply.header('content-type', row.responseType);
        return reply.send(row.responseBody);
      }
      const inProgress = () => new ApiError(409, 'idempotency_key_in_progress', 'a request with this Idempotency-Key is being processed; retry shortly');
      if (row.status === 'IN_PROGRESS' && Date.now() - row.lockedAt.getTime() < opts.inProgressMs) throw inProgress();
      // A 5xx (or a request that died) left it: this retry runs the write again, with the same change ref.
      const taken = await prisma.idempotencyKey.updateMany({
        where: { id: row.id, status: row.status, lockedAt: row.lockedAt },
        data: { status: 'IN_PROGRESS', lockedAt: new Date() },
      });
      if (taken.count === 0) throw inProgress();
      req.idempotency = { id: row.id, ref: row.ref };
      return;
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const held = req.idempotency;
    if (!held) return payload;
    req.idempotency = null;
    const status = reply.statusCode;
    if (status >= 500 || status === 429 || typeof payload !== 'string') {
      await prisma.idempotencyKey.update({ where: { id: held.id }, data: { status: 'RETRYABLE' } });
    } else {
      const type = reply.getHeader('content-type');
      await prisma.idempotencyKey.update({
        where: { id: held.id },
        data: { status: 'COMPLETED', responseStatus: status, responseType: typeof type === 'string' ? type : null, responseBody: payload },
      });
    }
    return payload;
  });
}

/**
 * The ref a change carries (its audit entry's id, which is also the workflow
 * update's id): under a key that an earlier attempt already gave one, that
 * ref again, so the workflow recognises the change; otherwise a new one,
 * remembered with the key.
 */
export async function changeRef(prisma: PrismaClient, req: FastifyRequest, create: () => Promise<string>): Promise<string> {
  const held = req.idempotency;
  if (held?.ref) return held.ref;
  const ref = await create();
  if (held) {
    await prisma.idempotencyKey.update({ where: { id: held.id }, data: { ref } });
    held.ref = ref;
  }
  return ref;
}
