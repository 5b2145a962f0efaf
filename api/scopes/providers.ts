/**
 * The providers' scope: delivery receipts from Twilio (status callbacks,
 * X-Twilio-Signature checked with the SDK's validator over the configured
 * callback URL and the form parameters) and SendGrid (the signed event
 * webhook: ECDSA P-256 over the timestamp and the raw body, checked with
 * Node's own crypto). Each route names its provider in `config.receiptsFrom`;
 * the hook checks that provider's signature before the body is validated and
 * resolves `request.receiptsFrom`.
 *
 * A SendGrid batch may be megabytes: its signature is checked over the raw
 * bytes before anything parses them, and the headers (present, timestamp no
 * older than 10 minutes) before the body is even read. Twilio signs no
 * timestamp: a replayed callback is a duplicate by (MessageSid, status), the
 * evidence key of domain/receipts.ts, and adds nothing.
 *
 * No signature: 401. A wrong or stale one: 403. A provider whose verification
 * key is not configured: 503 (nothing can be trusted, so nothing is recorded).
 * Verified receipts have their own rate limit per provider and address;
 * unverified requests count as anonymous.
 */
import { verify } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { sendgridPublicKey, type ProvidersConfig } from '../../lib/config';
import { ApiError } from '../errors';
import { authenticateThenCharge } from '../plugins/rate-limit';
import webhooksRoutes from '../routes/webhooks';
import { documentScope } from './document';

/** SendGrid's signed event webhook headers. */
export const SENDGRID_SIGNATURE = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

/** A SendGrid signature older than this (or this far ahead of our clock) is refused as a replay. */
export const SENDGRID_TOLERANCE_S = 600;

export type ReceiptProvider = 'twilio' | 'sendgrid';

/** What the API needs to check delivery receipts (lib/config.ts, providerWebhooksConfig). */
export type ProviderWebhooksConfig = Pick<ProvidersConfig, 'twilioWebhook' | 'sendgridWebhook'>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The provider whose signature the receipt carried; set in the providers' scope only. */
    receiptsFrom: ReceiptProvider | null;
  }
  interface FastifyContextConfig {
    /** Whose receipts a provider route takes: the signature its hook checks. */
    receiptsFrom?: ReceiptProvider;
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * One signature check per provider; each throws the 401, 403 or 503 above.
 * `headers` runs before the body is read (what the headers alone can refuse),
 * `body` once it has been read.
 */
function signatureChecks({ twilioWebhook, sendgridWebhook }: ProviderWebhooksConfig): Record<
  ReceiptProvider,
  { headers?: (req: FastifyRequest) => void; body: (req: FastifyRequest) => void }
> {
  const sendgridKey = sendgridWebhook ? sendgridPublicKey(sendgridWebhook.publicKey) : null;
  const sendgridHeaders = (req: FastifyRequest) => {
    if (!sendgridKey) {
      throw new ApiError(503, 'webhook_not_configured', 'SendGrid receipts are not accepted: SENDGRID_WEBHOOK_PUBLIC_KEY is not set');
    }
    const signature = header(req, SENDGRID_SIGNATURE);
    const timestamp = header(req, SENDGRID_TIMESTAMP);
    if (!signature || !timestamp) {
      throw new ApiError(401, 'unsigned', `${SENDGRID_SIGNATURE} and ${SENDGRID_TIMESTAMP} are required`, { field: `headers.${signature ? SENDGRID_TIMESTAMP : SENDGRID_SIGNATURE}` });
    }
    const t = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
    if (!Number.isFinite(t) || Math.abs(Date.now() / 1000 - t) > SENDGRID_TOLERANCE_S) {
      throw new ApiError(403, 'stale_signature', `${SENDGRID_TIMESTAMP} must be unix seconds within ${SENDGRID_TOLERANCE_S / 60} minutes of now`, {
        field: `headers.${SENDGRID_TIMESTAMP}`,
      });
    }
    return { signature, timestamp, key: sendgridKey };
  };
  return {
    twilio: {
      body(req) {
        if (!twilioWebhook) throw new ApiError(503, 'webhook_not_configured', 'Twilio receipts are not accepted: TWILIO_AUTH_TOKEN is not set');
        const signature = header(req, 'x-twilio-signature');
        if (!signature) throw new ApiError(401, 'unsigned', 'X-Twilio-Signature is required', { field: 'headers.x-twilio-signature' });
        // Twilio signs the URL it called: the configured public URL (not the Host this process sees
        // behind a proxy) with the query string this message's callback carried.
        const q = req.url.indexOf('?');
        const signedUrl = `${twilioWebhook.statusCallbackUrl.split('?')[0]}${q >= 0 ? req.url.slice(q) : ''}`;
        const params = (req.body ?? {}) as Record<string, string>;
        if (!twilio.validateRequest(twilioWebhook.authToken, signature, signedUrl, params)) {
          throw new ApiError(403, 'bad_signature', 'X-Twilio-Signature does not match', { field: 'headers.x-twilio-signature' });
        }
      },
    },
    sendgrid: {
      headers: (req) => void sendgridHeaders(req),
      body(req) {
        const { signature, timestamp, key } = sendgridHeaders(req);
        let valid = false;
        try {
          valid = req.rawBody !== undefined && verify('sha256', Buffer.from(timestamp + req.rawBody, 'utf8'), key, Buffer.from(signature, 'base64'));
        } catch {
          valid = false; // a signature that is not even DER
        }
        if (!valid) throw new ApiError(403, 'bad_signature', 'the event webhook signature does not match', { field: `headers.${SENDGRID_SIGNATURE}` });
        // Verified: only now is the batch parsed (validation follows).
        try {
          req.body = JSON.parse(req.rawBody!);
        } catch (err) {
          throw new ApiError(400, 'malformed_json', `body is not valid JSON: ${(err as Error).message}`, [{ field: 'body', message: 'is not valid JSON' }]);
        }
      },
    },
  };
}

const providersScope: FastifyPluginAsync = async (app) => {
  const checks = signatureChecks(app.turnout.providerWebhooks);
  app.decorateRequest('receiptsFrom', null);
  app.addHook('onRoute', (route) => {
    if (!route.config?.receiptsFrom) throw new Error(`${route.method} ${route.url}: a provider route names whose receipts it takes (config.receiptsFrom)`);
  });
  app.addHook('onRoute', documentScope({ rateLimited: true }));
  // JSON here is kept raw: the signature is checked over it (preValidation) before it is parsed.
  // (This scope's own parser; the rest of the API keeps the one of api/raw-json.ts.)
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    done(null, undefined);
  });
  // What the headers alone refuse is refused before the body is read; a failure counts as anonymous.
  app.addHook('onRequest', async (req, reply) => {
    const check = checks[req.routeOptions.config.receiptsFrom!]?.headers;
    if (!check) return;
    try {
      check(req);
    } catch (err) {
      await req.server.chargeCaller(req, reply);
      throw err;
    }
  });
  app.addHook('preValidation', async (req, reply) => {
    await authenticateThenCharge(req, reply, async () => {
      const provider = req.routeOptions.config.receiptsFrom!;
      checks[provider].body(req);
      req.receiptsFrom = provider;
    });
  });

  await app.register(webhooksRoutes);
};

export default providersScope;
