/** Helpers of the alert and webhook tests: HR calls that set alerting and add endpoints. */
import { Webhook } from 'standardwebhooks';
import type { Received } from '../../dev/standins/webhook-receiver';
import { hrToken, type Harness, type TestTenant } from './harness';

export async function hrHeaders(h: Harness, t: TestTenant, role: 'hr' | 'group_hr' = 'hr') {
  const token = await hrToken(h, { sub: `${role}-user`, role, groupId: t.groupId, ...(role === 'hr' ? { subsidiaryId: t.subsidiaryId } : {}) });
  return { authorization: `Bearer ${token}` };
}

export async function setAlerting(h: Harness, t: TestTenant, emails: string[], locale: 'en' | 'zh-CN' = 'en') {
  const res = await h.app.inject({
    method: 'PUT',
    url: `/v1/subsidiaries/${t.subsidiaryId}/alerting`,
    headers: await hrHeaders(h, t),
    payload: { emails, locale },
  });
  if (res.statusCode !== 200) throw new Error(`alerting: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function addEndpoint(h: Harness, t: TestTenant, body: Record<string, unknown>): Promise<{ endpoint: { id: string }; secret: string }> {
  const res = await h.app.inject({ method: 'POST', url: '/v1/webhook-endpoints', headers: await hrHeaders(h, t), payload: body });
  if (res.statusCode !== 201) throw new Error(`endpoint: ${res.statusCode} ${res.body}`);
  return res.json();
}

export interface Verified {
  id: string;
  type: string;
  data: Record<string, unknown>;
  at: number;
}

/** Verifies a request the way a receiver would, with the standardwebhooks package; throws when it does not verify. */
export function verify(secret: string, r: Received): Verified {
  const headers = {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  };
  const body = new Webhook(secret).verify(r.body, headers) as { type: string; data: Record<string, unknown> };
  return { id: headers['webhook-id'], type: body.type, data: body.data, at: r.at };
}
