/**
 * The console's only way to Turnout: the public API under /v1, with the
 * session cookie (sent by the browser, same origin) and, on every write, the
 * session's CSRF token in x-csrf-token. Errors come back as the contract's
 * `{ error: { code, message, details? } }`, thrown as ApiProblem.
 */
import type { Static } from '@sinclair/typebox';
import type { NoShowReport } from '../../domain/reports';
import type { AttendanceView, DisputeView, PolicyHistory, PolicyView, ResolveBody } from '../../api/schemas/records';

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface Session {
  sub: string;
  role: 'hr' | 'group_hr' | 'auditor';
  groupId: string;
  subsidiaryId: string | null;
  name: string | null;
  locale: 'en' | 'zh-CN' | null;
  signedInVia: string;
  signedInAt: string;
  expiresAt: string;
  csrfToken: string;
  /** What the role may do, as the API's role sets say (api/roles.ts). */
  may: { write: boolean; groupPolicy: boolean };
}

let csrfToken: string | null = null;
/** Told when a call finds the session gone, so the app shows the sign-in page. */
let onSignedOut: (code: string) => void = () => {};
export function whenSignedOut(fn: (code: string) => void): void {
  onSignedOut = fn;
}

async function call<T>(method: string, path: string, body?: unknown, accept = 'application/json', extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { accept, ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.ok) return (accept === 'application/json' ? res.json() : res.text()) as Promise<T>;
  let problem: { code?: string; message?: string; details?: unknown } = {};
  try {
    problem = ((await res.json()) as { error?: typeof problem }).error ?? {};
  } catch {
    // Not the contract's shape (a proxy's page): the status says enough.
  }
  const err = new ApiProblem(res.status, problem.code ?? `http_${res.status}`, problem.message ?? res.statusText, problem.details);
  if (res.status === 401) onSignedOut(err.code);
  throw err;
}

export async function loadSession(): Promise<Session> {
  const s = await call<Session>('GET', '/v1/session');
  csrfToken = s.csrfToken;
  return s;
}

export const currentCsrfToken = () => csrfToken;

export const setLocale = (locale: 'en' | 'zh-CN') => call<Session>('PATCH', '/v1/session', { locale });

export interface AwaitingItem {
  id: string;
  interviewId: string;
  subsidiaryId: string;
  status: string;
  attempt: number;
  kind: string;
  scheduledStart: string;
  detectedAt: string;
  annotateBy: string;
  candidate: { id: string; name: string };
  position: { id: string; title: string };
}
export const awaiting = () => call<{ items: AwaitingItem[] }>('GET', '/v1/awaiting-classification');

export interface InterviewDetail {
  id: string;
  interviewId: string;
  workflowId: string;
  subsidiaryId: string;
  status: string;
  attempt: number;
  startsAt: string;
  confirmedAt: string;
  attendedAt: string | null;
  closedAt: string | null;
  outcome: string | null;
  candidate: { id: string; name: string };
  position: { id: string; title: string; region: string | null };
  channels: string[];
  schedule: { at: string; change: string; startsAt?: string; from?: string; by?: string; attempt?: number }[];
  reminders: { attempt: number; point: string; channel: string; dueAt: string; status: string; sentAt: string | null; delivery: string | null }[];
  records: {
    attempt: number;
    kind: string;
    scheduledStart: string;
    detectedAt: string;
    classification: string | null;
    classifiedAt: string | null;
    classifiedBy: string | null;
    note: string | null;
    expiresAt: string | null;
    nextAttempt: number | null;
  }[];
  next: { step: string; at: string | null } | null;
}
export interface Evidence {
  interviewId: string;
  chain: { ok: boolean; brokenAtSeq?: number };
  items: { seq: number; kind: string; at: string; data: Record<string, unknown>; prevHash: string; hash: string }[];
}
/** A person's records across the group, as the caller may see them: the API's own schema (types only). */
export type Attendance = Static<typeof AttendanceView>;
const enc = encodeURIComponent;
export const interview = (id: string) => call<InterviewDetail>('GET', `/v1/interviews/${enc(id)}`);
export const evidence = (id: string) => call<Evidence>('GET', `/v1/interviews/${enc(id)}/evidence`);
export const attendance = (id: string) => call<Attendance>('GET', `/v1/interviews/${enc(id)}/attendance`);
export const classify = (id: string, classification: string, note: string) =>
  call<{ status: string }>('POST', `/v1/interviews/${enc(id)}/annotations`, { classification, note });
export const reschedule = (id: string, startsAt: string, reason?: string) =>
  call<{ status: string; startsAt: string }>('POST', `/v1/interviews/${enc(id)}/reschedule`, reason ? { startsAt, reason } : { startsAt });

/** The report's shape is the API's own (domain/reports.ts): types only, so no server code reaches the bundle. */
export type { NoShowReport as Report, ReportCounts, ReportRow } from '../../domain/reports';
export const report = (month: string, groupBy: string) => call<NoShowReport>('GET', `/v1/reports/no-shows?month=${enc(month)}${groupBy ? `&groupBy=${enc(groupBy)}` : ''}`);
export const reportCsv = (month: string, groupBy: string) =>
  call<string>('GET', `/v1/reports/no-shows?month=${enc(month)}${groupBy ? `&groupBy=${enc(groupBy)}` : ''}`, undefined, 'text/csv');

export interface Alert {
  id: string;
  kind: string;
  interview: { id: string; interviewId: string; subsidiaryId: string; status: string };
  attempt: number;
  createdAt: string;
  classificationDeadline: string | null;
  link: string;
  readAt: string | null;
  readBy: string | null;
  resolvedAt: string | null;
  deliveries: { id: string; channel: string; destination: string; status: string; at: string | null; attempts: number; error: string | null }[];
}
export const alerts = (unread: boolean) => call<{ items: Alert[] }>('GET', `/v1/alerts${unread ? '?unread=true' : ''}`);
export const markAlertRead = (id: string) => call<Alert>('POST', `/v1/alerts/${enc(id)}/read`);

/** The group policy and its history, as the API's schemas say (types only). */
export type { PolicyHistory, PolicyView };
export const groupPolicy = (groupId: string) => call<PolicyView>('GET', `/v1/groups/${enc(groupId)}/policy`);
/** Replaces the whole policy; If-Match refuses it (412) when someone changed the policy since `version` was read. */
export const replaceGroupPolicy = (groupId: string, policy: unknown, version: number) =>
  call<PolicyView>('PUT', `/v1/groups/${enc(groupId)}/policy`, policy, 'application/json', { 'if-match': `"${version}"` });
export const groupPolicyVersions = (groupId: string) => call<PolicyHistory>('GET', `/v1/groups/${enc(groupId)}/policy/versions`);
/** A person's group-wide record, found by the keyed hash of their phone or e-mail; the API audits every look. */
export const lookUp = (by: 'phone' | 'email', value: string) => call<Attendance>('GET', `/v1/candidates/attendance?${by}=${enc(value)}`);

export type Dispute = Static<typeof DisputeView>;
export type DisputeStatus = 'OPEN' | 'UPHELD' | 'RECLASSIFIED';
export type DisputeDecision = ResolveBody;
export const disputes = (status: DisputeStatus) => call<{ items: Dispute[] }>('GET', `/v1/disputes?status=${status}`);
export const resolveDispute = (id: string, decision: DisputeDecision) => call<Dispute>('POST', `/v1/disputes/${enc(id)}/resolve`, decision);
