/**
 * The API's only way into Temporal: starts an interview's workflow, signals
 * it, asks it for changes (updates with validators) and maps Temporal's
 * failures to the contract's errors. Payloads carry ids, times and states only.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcServiceError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  annotateUpdate,
  cancelUpdate,
  interviewWorkflowId,
  linkClickedSignal,
  loggedInSignal,
  rescheduleUpdate,
  stateQuery,
  type AnnotateRequest,
  type CancelRequest,
  type EventRef,
  type InterviewState,
  type RescheduleRequest,
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

export class InterviewGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Starts the interview's workflow, or finds the one already running: never a second one. */
  async start(s: StartInterview): Promise<{ workflowId: string; status: string; duplicate: boolean }> {
    const workflowId = interviewWorkflowId(s.subsidiaryId, s.externalInterviewId);
    // Ids and the position's title only: the memo and summary are plain text in Temporal.
    const summary = `Candidate ${s.externalCandidateId} · ${s.positionTitle} · ${s.startsAt}`;
    try {
      await this.call(() =>
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

  async loggedIn(workflowId: string, ref: EventRef): Promise<string> {
    await this.call(() => this.client.workflow.getHandle(workflowId).signal(loggedInSignal, ref));
    return this.currentStatus(workflowId);
  }

  async linkClicked(workflowId: string, ref: EventRef): Promise<string> {
    await this.call(() => this.client.workflow.getHandle(workflowId).signal(linkClickedSignal, ref));
    return this.currentStatus(workflowId);
  }

  reschedule(workflowId: string, req: RescheduleRequest): Promise<InterviewState> {
    return this.update(workflowId, () => this.client.workflow.getHandle(workflowId).executeUpdate(rescheduleUpdate, { args: [req] }));
  }

  cancel(workflowId: string, req: CancelRequest): Promise<InterviewState> {
    return this.update(workflowId, () => this.client.workflow.getHandle(workflowId).executeUpdate(cancelUpdate, { args: [req] }));
  }

  annotate(workflowId: string, req: AnnotateRequest): Promise<InterviewState> {
    return this.update(workflowId, () => this.client.workflow.getHandle(workflowId).executeUpdate(annotateUpdate, { args: [req] }));
  }

  /** The workflow's own view, for a running interview; null once it has ended. */
  async state(workflowId: string): Promise<InterviewState | null> {
    try {
      return await this.call(() => this.client.workflow.getHandle(workflowId).query(stateQuery));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'interview_closed') return null;
      throw err;
    }
  }

  async currentStatus(workflowId: string): Promise<string> {
    const state = await this.state(workflowId);
    if (state) return state.status;
    const description = await this.call(() => this.client.workflow.getHandle(workflowId).describe());
    return String(description.typedSearchAttributes.get(InterviewStatus) ?? description.status.name);
  }

  /** Updates rejected by the workflow's validator become 409 with the current state. */
  private async update(workflowId: string, run: () => Promise<InterviewState>): Promise<InterviewState> {
    try {
      return await this.call(run);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === INVALID_TRANSITION) {
        throw new ApiError(409, 'invalid_state', err.cause.message, { state: err.cause.details?.[0] ?? null });
      }
      throw err;
    }
  }

  /** Maps "no such workflow" and "Temporal unreachable" to the contract's errors. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      // Temporal answers "not found" for a workflow that has completed, too.
      if (err instanceof Error && /already completed/i.test(err.message)) {
        throw new ApiError(409, 'interview_closed', 'this interview has ended and accepts no more changes');
      }
      if (err instanceof WorkflowNotFoundError) {
        throw new ApiError(404, 'interview_not_found', 'no interview with this id is known');
      }
      if (isGrpcServiceError(err)) {
        if (err.code === GrpcStatus.NOT_FOUND) throw new ApiError(404, 'interview_not_found', 'no interview with this id is known');
        if (err.code === GrpcStatus.FAILED_PRECONDITION && /completed|closed/i.test(err.details ?? err.message)) {
          throw new ApiError(409, 'interview_closed', 'this interview has ended and accepts no more changes');
        }
        if (err.code === GrpcStatus.UNAVAILABLE || err.code === GrpcStatus.DEADLINE_EXCEEDED) {
          throw new ApiError(503, 'temporal_unavailable', 'the workflow service is unavailable; retry later', undefined);
        }
      }
      throw err;
    }
  }
}
