/**
 * Outbound webhook endpoints and their deliveries. An endpoint belongs to one
 * subsidiary (HR of it, or group HR, manage it) or, created by group HR
 * without a subsidiary, to the whole group. Every write is audited. The
 * deliveries themselves are written with the change they report
 * (lib/outbound-events.ts) and sent by the workers' dispatcher; these routes
 * only queue: a test event, a retry, an endpoint enabled again.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { HrClaims } from '../../lib/hr-token';
import type { Prisma } from '../../lib/database';
import { decryptSecret, encryptSecret } from '../../lib/secrets';
import { isProduction } from '../../lib/config';
import { writeEvent } from '../../lib/outbound-events';
import { createEndpoint, EndpointError, maskSecret, newSigningSecret } from '../../lib/webhook-endpoints';
import { ROTATION_OVERLAP_MS, TEST_EVENT } from '../../domain/outbound-events';
import { auditEntry } from '../audit';
import { ApiError } from '../errors';
import { HR_READ_ROLES, HR_WRITE_ROLES } from '../roles';
import { ErrorBody } from '../schemas/common';
import {
  DeliveriesQuery,
  DeliveryList,
  DeliveryParams,
  DeliveryView,
  EndpointBody,
  EndpointCreated,
  EndpointList,
  EndpointParams,
  EndpointView,
  SecretRotated,
} from '../schemas/alerts';
import { Type } from '@sinclair/typebox';

type EndpointRow = Prisma.WebhookEndpointGetPayload<object>;

/** The endpoints a caller sees: hr (and a subsidiary-bound auditor) its subsidiary's, group roles the group's. */
function visibleEndpoints(claims: HrClaims): Prisma.WebhookEndpointWhereInput {
  const base = { groupId: claims.groupId, deletedAt: null };
  return claims.role === 'hr' || claims.subsidiaryId ? { ...base, subsidiaryId: claims.subsidiaryId } : base;
}

const deliveryInclude = { event: true, log: { orderBy: { id: 'asc' } } } as const;
type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ include: typeof deliveryInclude }>;

const webhookEndpointsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { prisma, secrets } = app.turnout;
  const production = isProduction();
  const readers = { hrRoles: HR_READ_ROLES };
  const writers = { hrRoles: HR_WRITE_ROLES };
  const tags = ['webhooks'];

  const secretOf = (sealed: string | null) => (sealed ? decryptSecret(secrets.masterKey, sealed) : null);

  function view(e: EndpointRow) {
    return {
      id: e.id,
      groupId: e.groupId,
      subsidiaryId: e.subsidiaryId,
      url: e.urlMasked,
      format: e.format as 'standard' | 'wecom' | 'dingtalk' | 'feishu',
      events: e.events as never[],
      secret: maskSecret(secretOf(e.secretEncrypted)),
      previousSecretExpiresAt: e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date() ? e.previousSecretExpiresAt.toISOString() : null,
      enabled: e.disabledAt === null,
      disabledAt: e.disabledAt?.toISOString() ?? null,
      disabledReason: e.disabledReason,
      createdAt: e.createdAt.toISOString(),
      createdBy: e.createdBy,
    };
  }

  function deliveryView(d: DeliveryRow) {
    const data = d.event.data as { interviewId?: string; by?: string };
    return {
      id: d.id,
      endpointId: d.endpointId,
      webhookId: d.event.publicId,
      type: d.event.type as never,
      interviewId: data.interviewId ?? null,
      by: (data.by ?? null) as never,
      status: d.status,
      attempts: d.log.map((a) => ({ at: a.at.toISOString(), outcome: a.outcome, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
      nextAttemptAt: d.status === 'PENDING' ? d.nextAttemptAt.toISOString() : null,
      deliveredAt: d.deliveredAt?.toISOString() ?? null,
      createdAt: d.createdAt.toISOString(),
    };
  }

  async function findEndpoint(claims: HrClaims, id: string): Promise<EndpointRow> {
    const e = await prisma.webhookEndpoint.findFirst({ where: { id, ...visibleEndpoints(claims) } });
    if (!e) throw new ApiError(404, 'endpoint_not_found', 'no webhook endpoint with this id is visible to you');
    // A group-wide endpoint is group HR's to change.
    return e;
  }

  async function findWritableEndpoint(claims: HrClaims, id: string): Promise<EndpointRow> {
    const e = await findEndpoint(claims, id);
    if (claims.role !== 'group_hr' && e.subsidiaryId === null) throw new ApiError(403, 'forbidden', 'a group-wide endpoint is changed by group HR');
    return e;
  }

  const audit = (req: Parameters<typeof auditEntry>[1], tx: Prisma.TransactionClient, action: string, e: EndpointRow, payload: Record<string, unknown> = {}) =>
    auditEntry(tx, req, {
      actorType: 'hr',
      actorId: req.hr!.sub,
      action,
      groupId: e.groupId,
      subsidiaryId: e.subsidiaryId,
      payload: { endpointId: e.id, ...payload },
    });

  app.post(
    '/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'Add an endpoint: a platform (Standard Webhooks) or an HR group chat robot',
        description:
          'HR adds one for its own subsidiary (subsidiaryId may be left out); group HR for any subsidiary of the group, or, leaving subsidiaryId out, for the whole group. ' +
          'The answer carries the signing secret in full, this once.',
        body: EndpointBody,
        response: { 201: EndpointCreated, '4xx': ErrorBody },
      },
      config: writers,
    },
    async (req, reply) => {
      const hr = req.hr!;
      let subsidiaryId = req.body.subsidiaryId ?? null;
      if (hr.role === 'hr') {
        if (subsidiaryId !== null && subsidiaryId !== hr.subsidiaryId) {
          throw new ApiError(403, 'forbidden', 'HR adds endpoints for its own subsidiary');
        }
        subsidiaryId = hr.subsidiaryId ?? null;
        if (!subsidiaryId) throw new ApiError(403, 'forbidden', 'an hr token without a subsidiary cannot add endpoints');
      }
      const created = await prisma.$transaction(async (tx) => {
        try {
          const made = await createEndpoint(
            tx,
            secrets.masterKey,
            { groupId: hr.groupId, subsidiaryId, url: req.body.url, events: req.body.events, format: req.body.format, secret: req.body.secret, createdBy: hr.sub },
            { production },
          );
          await audit(req, tx, 'webhook.create', made.endpoint, { format: made.endpoint.format, events: made.endpoint.events, url: made.endpoint.urlMasked });
          return made;
        } catch (err) {
          if (err instanceof EndpointError) {
            const status = err.field === 'subsidiaryId' ? 404 : 400;
            throw new ApiError(status, status === 404 ? 'subsidiary_not_found' : 'invalid_request', err.message, [{ field: err.field, message: err.message.slice(err.field.length + 1) }]);
          }
          throw err;
        }
      });
      reply.code(201);
      return { endpoint: view(created.endpoint), secret: created.secret };
    },
  );

  app.get(
    '/webhook-endpoints',
    { schema: { tags, summary: 'Endpoints in scope (secrets and robot keys masked)', response: { 200: EndpointList, '4xx': ErrorBody } }, config: readers },
    async (req) => {
      const rows = await prisma.webhookEndpoint.findMany({ where: visibleEndpoints(req.hr!), orderBy: { createdAt: 'asc' } });
      return { items: rows.map(view) };
    },
  );

  app.delete(
    '/webhook-endpoints/:id',
    {
      schema: { tags, summary: 'Delete an endpoint; what it has not received yet is cancelled', params: EndpointParams, response: { 204: Type.Null(), '4xx': ErrorBody } },
      config: writers,
    },
    async (req, reply) => {
      const e = await findWritableEndpoint(req.hr!, req.params.id);
      await prisma.$transaction(async (tx) => {
        await tx.webhookEndpoint.update({ where: { id: e.id }, data: { deletedAt: new Date() } });
        await tx.webhookDelivery.updateMany({ where: { endpointId: e.id, status: 'PENDING' }, data: { status: 'CANCELLED', leaseUntil: null } });
        await audit(req, tx, 'webhook.delete', e);
      });
      reply.code(204);
      return null;
    },
  );

  app.post(
    '/webhook-endpoints/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'A new signing secret; the old one keeps signing for 24 h beside it',
        params: EndpointParams,
        response: { 200: SecretRotated, '4xx': ErrorBody },
      },
      config: writers,
    },
    async (req) => {
      const e = await findWritableEndpoint(req.hr!, req.params.id);
      if (e.format !== 'standard') throw new ApiError(409, 'not_rotatable', "a robot's secret is the robot's own: change it in the chat app and add the endpoint again");
      const secret = newSigningSecret();
      const expires = new Date(Date.now() + ROTATION_OVERLAP_MS);
      const updated = await prisma.$transaction(async (tx) => {
        const row = await tx.webhookEndpoint.update({
          where: { id: e.id },
          data: { secretEncrypted: encryptSecret(secrets.masterKey, secret), previousSecretEncrypted: e.secretEncrypted, previousSecretExpiresAt: expires },
        });
        await audit(req, tx, 'webhook.rotate_secret', e, { previousSecretExpiresAt: expires.toISOString() });
        return row;
      });
      return { endpoint: view(updated), secret, previousSecretExpiresAt: expires.toISOString() };
    },
  );

  app.post(
    '/webhook-endpoints/:id/test',
    {
      schema: {
        tags,
        summary: `Queue a ${TEST_EVENT} delivery to this endpoint`,
        params: EndpointParams,
        response: { 202: DeliveryView, '4xx': ErrorBody },
      },
      config: writers,
    },
    async (req, reply) => {
      const e = await findEndpoint(req.hr!, req.params.id);
      const at = new Date();
      const id = await prisma.$transaction(async (tx) => {
        const eventId = await writeEvent(
          tx,
          {
            key: `test:${randomUUID()}`,
            type: TEST_EVENT,
            groupId: e.groupId,
            subsidiaryId: e.subsidiaryId,
            interviewId: null,
            alertId: null,
            data: { endpointId: e.id, subsidiaryId: e.subsidiaryId, at: at.toISOString(), by: 'hr' },
            occurredAt: at,
          },
          e.id,
        );
        await audit(req, tx, 'webhook.test', e);
        return (await tx.webhookDelivery.findFirstOrThrow({ where: { eventId, endpointId: e.id } })).id;
      });
      reply.code(202);
      return deliveryView(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id }, include: deliveryInclude }));
    },
  );

  app.post(
    '/webhook-endpoints/:id/enable',
    {
      schema: { tags, summary: 'Enable an endpoint again (after 410 Gone); its waiting deliveries go at once', params: EndpointParams, response: { 200: EndpointView, '4xx': ErrorBody } },
      config: writers,
    },
    async (req) => {
      const e = await findWritableEndpoint(req.hr!, req.params.id);
      const updated = await prisma.$transaction(async (tx) => {
        const row = await tx.webhookEndpoint.update({ where: { id: e.id }, data: { disabledAt: null, disabledReason: null } });
        // A fresh retry schedule for what waited while it was disabled.
        await tx.webhookDelivery.updateMany({ where: { endpointId: e.id, status: 'PENDING' }, data: { attempts: 0, nextAttemptAt: new Date(), leaseUntil: null } });
        await audit(req, tx, 'webhook.enable', e, { wasDisabled: e.disabledAt !== null });
        return row;
      });
      return view(updated);
    },
  );

  app.get(
    '/webhook-endpoints/:id/deliveries',
    {
      schema: { tags, summary: "The endpoint's deliveries with every attempt, newest first", params: EndpointParams, querystring: DeliveriesQuery, response: { 200: DeliveryList, '4xx': ErrorBody } },
      config: readers,
    },
    async (req) => {
      const e = await findEndpoint(req.hr!, req.params.id);
      const rows = await prisma.webhookDelivery.findMany({
        where: { endpointId: e.id, ...(req.query.status ? { status: req.query.status as Prisma.WebhookDeliveryWhereInput['status'] } : {}) },
        include: deliveryInclude,
        orderBy: { eventId: 'desc' },
        take: req.query.limit ?? 100,
      });
      return { items: rows.map(deliveryView) };
    },
  );

  app.post(
    '/webhook-deliveries/:id/retry',
    {
      schema: {
        tags,
        summary: 'Send a delivery again (same webhook-id), now, with a fresh retry schedule',
        params: DeliveryParams,
        response: { 202: DeliveryView, '4xx': ErrorBody },
      },
      config: writers,
    },
    async (req, reply) => {
      const hr = req.hr!;
      const found = await prisma.webhookDelivery.findFirst({ where: { id: req.params.id, endpoint: visibleEndpoints(hr) }, include: { endpoint: true } });
      if (!found) throw new ApiError(404, 'delivery_not_found', 'no delivery with this id is visible to you');
      if (found.endpoint.disabledAt) throw new ApiError(409, 'endpoint_disabled', 'the endpoint is disabled: enable it first');
      await prisma.$transaction(async (tx) => {
        await tx.webhookDelivery.update({ where: { id: found.id }, data: { status: 'PENDING', attempts: 0, nextAttemptAt: new Date(), leaseUntil: null } });
        await audit(req, tx, 'webhook.retry', found.endpoint, { deliveryId: found.id, previousStatus: found.status });
      });
      reply.code(202);
      return deliveryView(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: found.id }, include: deliveryInclude }));
    },
  );
};

export default webhookEndpointsRoutes;
