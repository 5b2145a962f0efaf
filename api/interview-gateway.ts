/**
 * The API's only way into Temporal: starts an interview's workflow, signals
 * it, asks it for changes (updates with validators) and maps Temporal's
 * failures to the contract's errors. Payloads carry ids, times and states only.
 */
import {
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { interviewWorkflowId } from '../domain/interview';
import {
  annotateUpdate,
  cancelUpdate,
  linkClickedSignal,
  loggedInSignal,
  messageUndeliverableSignal,
  rescheduleUpdate,
  stateQuery,
  type AnnotateRequest,
  type CancelRequest,
  type EventRef,
  type InterviewState,
  type RescheduleRequest,
  type UndeliverableMessage,
  INVALID_TRANSITION,
} from '../workflows/definitions';
import type { interviewWorkflow } from '../workflows/interview';
import {
  CandidateId,
  GroupId,
  InterviewStatus,
  ScheduledStart,
  TenantId,
} from '../workflows/search-attributes';
import { ApiError } from './errors';

/** gRPC status codes Temporal answers with (the numbers are fixed by gRPC). */
const GrpcStatus = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

export interface StartInterview {
  subsidiaryId: string;
  groupId: string;
  externalInterviewId: string;
  externalCandidateId: string;
  positionTitle: string;
  startsAt: string;
  confirmationEventId: string;
}

/** What the gateway asked Temporal to do, for metrics. */
export type GatewayOperation =
  | 'start'
  | 'signal_logged_in'
  | 'signal_link_clicked'
  | 'signal_message_undeliverable'
  | 'update_reschedule'
  | 'update_cancel'
  | 'update_annotate'
  | 'query_state'
  | 'describe';
/** How it ended: ok, the workflow already existed, refused by the workflow, or the contract error it became. */
export type GatewayOutcome = 'ok' | 'duplicate' | 'rejected' | 'not_found' | 'closed' | 'unavailable' | 'error';

export interface GatewayOptions {
  /** Deadline of a start, signal, update or describe; past it the caller gets 503. */
  timeoutMs?: number;
  /** Deadline of a state query made for a read, which then answers from the database alone. */
  queryTimeoutMs?: number;
  /** Called once per Temporal call with its outcome (the metrics hook). */
  observe?: (operation: GatewayOperation, outcome: GatewayOutcome) => void;
}

export class InterviewGateway {
  private readonly timeoutMs: number;
  private readonly queryTimeoutMs: number;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly options: GatewayOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 2_000;
  }

  /** Starts the interview's workflow, or finds the one already running: never a second one. */
  async start(s: StartInterview): Promise<{ workflowId: string; status: string; duplicate: boolean }> {
    const workflowId = interviewWorkflowId(s.subsidiaryId, s.externalInterviewId);
    // Ids and the position's title only: the memo and summary are plain text in Temporal.
    const summary = `Candidate ${s.externalCandidateId} · ${s.positionTitle} · ${s.startsAt}`;
    try {
      await this.call('start', () =>
        this.client.workflow.start<typeof interviewWorkflow>('interviewWorkflow', {
          workflowId,
          taskQueue: this.taskQueue,
          args: [
            {
              subsidiaryId: s.subsidiaryId,
              groupId: s.groupId,
              externalInterviewId: s.externalInterviewId,
              confirmationEventId: s.confirmationEventId,
            },
          ],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: TenantId, value: s.subsidiaryId },
            { key: GroupId, value: s.groupId },
            { key: CandidateId, value: s.externalCandidateId },
            { key: InterviewStatus, value: 'SCHEDULED' },
            { key: ScheduledStart, value: new Date(s.startsAt) },
          ],
          memo: { summary },
          staticSummary: summary,
        }),
      );
      return { workflowId, status: 'SCHEDULED', duplicate: false };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return { workflowId, status: await this.currentStatus(workflowId), duplicate: true };
    }
  }

  /**
   * Signals only: no query for the answer, which would wait for the workflow
   * to handle the signal and, under load, for the worker's backlog.
   */
  async loggedIn(workflowId: string, ref: EventRef): Promise<void> {
    await this.call('signal_logged_in', () => this.client.workflow.getHandle(workflowId).signal(loggedInSignal, ref));
  }

  async linkClicked(workflowId: string, ref: EventRef): Promise<void> {
    await this.call('signal_link_clicked', () => this.client.workflow.getHandle(workflowId).signal(linkClickedSignal, ref));
  }

  /** A delivery receipt said a message will never arrive; the workflow decides on a fallback. */
  async messageUndeliverable(workflowId: string, m: UndeliverableMessage): Promise<void> {
    await this.call('signal_message_undeliverable', () => this.client.workflow.getHandle(workflowId).signal(messageUndeliverableSignal, m));
  }

  reschedule(workflowId: string, req: RescheduleRequest): Promise<InterviewState> {
    return this.update('update_reschedule', () => this.client.workflow.getHandle(workflowId).executeUpdate(rescheduleUpdate, { args: [req], updateId: req.ref }));
  }

  cancel(workflowId: string, req: CancelRequest): Promise<InterviewState> {
    return this.update('update_cancel', () => this.client.workflow.getHandle(workflowId).executeUpdate(cancelUpdate, { args: [req], updateId: req.ref }));
  }

  annotate(workflowId: string, req: AnnotateRequest): Promise<InterviewState> {
    return this.update('update_annotate', () => this.client.workflow.getHandle(workflowId).executeUpdate(annotateUpdate, { args: [req], updateId: req.ref }));
  }

  /**
   * The workflow's own view, for a running interview; null once it has ended.
   * A read waits at most the query deadline (the caller then answers from the database).
   */
  async state(workflowId: string, timeoutMs = this.queryTimeoutMs): Promise<InterviewState | null> {
    try {
      return await this.call('query_state', () => this.client.workflow.getHandle(workflowId).query(stateQuery), timeoutMs);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'interview_closed') return null;
      throw err;
    }
  }

  /** Part of a write (the answer to a duplicate start): it gets the write deadline. */
  async currentStatus(workflowId: string): Promise<string> {
    const state = await this.state(workflowId, this.timeoutMs);
    if (state) return state.status;
    const description = await this.call('describe', () => this.client.workflow.getHandle(workflowId).describe());
    return String(description.typedSearchAttributes.get(InterviewStatus) ?? description.status.name);
  }

  /**
   * Updates rejected by the workflow's validator become 409 with the current state
   * and the workflow's reason (definitions.ts, REFUSAL_REASONS).
   * Each carries its request's ref (inbox row or audit entry) as its update id, so a
   * retry of the same platform event gets the first outcome instead of applying twice.
   */
  private async update(operation: GatewayOperation, run: () => Promise<InterviewState>): Promise<InterviewState> {
    try {
      return await this.call(operation, run);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === INVALID_TRANSITION) {
        const [state = null, reason = null] = err.cause.details ?? [];
        throw new ApiError(409, 'invalid_state', err.cause.message, { state, reason });
      }
      throw err;
    }
  }

  /**
   * Runs one Temporal call under a deadline (the SDK otherwise retries an
   * unreachable server for many seconds), counts its outcome, and maps
   * "no such workflow" and "Temporal unreachable" to the contract's errors.
   */
  private async call<T>(operation: GatewayOperation, run: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    try {
      const result = await this.client.withDeadline(Date.now() + timeoutMs, run);
      this.options.observe?.(operation, 'ok');
      return result;
    } catch (raw) {
      let mapped: unknown = raw;
      try {
        this.mapError(raw);
      } catch (err) {
        mapped = err;
      }
      this.options.observe?.(operation, outcomeOf(mapped));
      throw mapped;
    }
  }

  private mapError(raw: unknown): never {
    // The client wraps gRPC failures of some calls (start, query, signal) in its own ServiceError.
    const err = raw instanceof ServiceError && isGrpcServiceError(raw.cause) ? raw.cause : raw;
    // Temporal answers "not found" for a workflow that has completed, too.
    if ([raw, err].some((e) => e instanceof Error && /already completed/i.test(e.message))) {
      throw new ApiError(409, 'interview_closed', 'this interview has ended and accepts no more changes');
    }
    if (err instanceof WorkflowNotFoundError) {
      throw new ApiError(404, 'interview_not_found', 'no interview with this id is known');
    }
    // An update whose call timed out may still apply: the caller retries and learns the outcome.
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw temporalUnavailable();
    if (isGrpcServiceError(err)) {
      if (err.code === GrpcStatus.NOT_FOUND) throw new ApiError(404, 'interview_not_found', 'no interview with this id is known');
      if (err.code === GrpcStatus.FAILED_PRECONDITION && /completed|closed/i.test(err.details ?? err.message)) {
        throw new ApiError(409, 'interview_closed', 'this interview has ended and accepts no more changes');
      }
      if (err.code === GrpcStatus.UNAVAILABLE || err.code === GrpcStatus.DEADLINE_EXCEEDED) throw temporalUnavailable();
    }
    throw raw;
  }
}

function temporalUnavailable(): ApiError {
  return new ApiError(503, 'temporal_unavailable', 'the workflow service is unavailable; retry later');
}

function outcomeOf(err: unknown): GatewayOutcome {
  if (err instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
  if (err instanceof WorkflowUpdateFailedError) return 'rejected';
  if (err instanceof ApiError) {
    if (err.statusCode === 404) return 'not_found';
    if (err.code === 'interview_closed') return 'closed';
    if (err.statusCode === 503) return 'unavailable';
  }
  return 'error';
}
