/**
 * The providers' scope: delivery receipts from Twilio (status callbacks,
 * X-Twilio-Signature checked with the SDK's validator over the configured
 * callback URL and the form parameters) and SendGrid (the signed event
 * webhook, its ECDSA signature checked with @sendgrid/eventwebhook over the
 * timestamp and the raw body). Each route names its provider in
 * `config.receiptsFrom`; the hook checks that provider's signature before the
 * body is validated and resolves `request.receiptsFrom`.
 *
 * No signature: 401. A wrong one: 403. A provider whose verification key is
 * not configured: 503 (nothing can be trusted, so nothing is recorded).
 * Verified receipts have their own rate limit per provider and address;
 * unverified requests count as anonymous.
 */
import { EventWebhook, EventWebhookHeader } from '@sendgrid/eventwebhook';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import type { ProvidersConfig } from '../../lib/config';
import { ApiError } from '../errors';
import { authenticateThenCharge } from '../plugins/rate-limit';
import webhooksRoutes from '../routes/webhooks';
import { documentScope } from './document';

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

/** One signature check per provider; each throws the 401, 403 or 503 above. */
function signatureChecks({ twilioWebhook, sendgridWebhook }: ProviderWebhooksConfig): Record<ReceiptProvider, (req: FastifyRequest) => void> {
  const eventWebhook = new EventWebhook();
  const sendgridKey = sendgridWebhook ? eventWebhook.convertPublicKeyToECDSA(sendgridWebhook.publicKey) : null;
  return {
    twilio(req) {
      if (!twilioWebhook) throw new ApiError(503, 'webhook_not_configured', 'Twilio receipts are not accepted: TWILIO_AUTH_TOKEN is not set');
      const signature = header(req, 'x-twilio-signature');
      if (!signature) throw new ApiError(401, 'unsigned', 'X-Twilio-Signature is required');
      // Twilio signs the URL it called: the configured public URL (not the Host this process sees
      // behind a proxy) with the query string this message's callback carried.
      const q = req.url.indexOf('?');
      const signedUrl = `${twilioWebhook.statusCallbackUrl.split('?')[0]}${q >= 0 ? req.url.slice(q) : ''}`;
      const params = (req.body ?? {}) as Record<string, string>;
      if (!twilio.validateRequest(twilioWebhook.authToken, signature, signedUrl, params)) {
        throw new ApiError(403, 'bad_signature', 'X-Twilio-Signature does not match');
      }
    },
    sendgrid(req) {
      if (!sendgridKey) {
        throw new ApiError(503, 'webhook_not_configured', 'SendGrid receipts are not accepted: SENDGRID_WEBHOOK_PUBLIC_KEY is not set');
      }
      const signature = header(req, EventWebhookHeader.SIGNATURE());
      const timestamp = header(req, EventWebhookHeader.TIMESTAMP());
      if (!signature || !timestamp) {
        throw new ApiError(401, 'unsigned', `${EventWebhookHeader.SIGNATURE()} and ${EventWebhookHeader.TIMESTAMP()} are required`);
      }
      let valid = false;
      try {
        valid = req.rawBody !== undefined && eventWebhook.verifySignature(sendgridKey, req.rawBody, signature, timestamp);
      } catch {
        valid = false; // a signature that is not even base64 DER
      }
      if (!valid) throw new ApiError(403, 'bad_signature', 'the event webhook signature does not match');
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
  app.addHook('preValidation', async (req, reply) => {
    await authenticateThenCharge(req, reply, async () => {
      const provider = req.routeOptions.config.receiptsFrom!;
      checks[provider](req);
      req.receiptsFrom = provider;
    });
  });

  await app.register(webhooksRoutes);
};

export default providersScope;
