/**
 * Sending one message for one reminder point on one channel, at most once.
 * The notification row, keyed by (interview, attempt, point, channel), is
 * written before the transport is called and marked SENT after, so a retry
 * after a crash finds an acknowledged message and does not send it again.
 */
import type { PrismaClient } from '../lib/database';
import { appendEvidence } from './evidence';
import { renderMessage } from './messaging/templates';
import type { MessageTransport } from './messaging/transport';

export interface SendMessageInput {
  interviewId: string;
  attempt: number;
  point: string;
  channel: string;
  dueAt: string;
}

export type SendOutcome = 'SENT' | 'ALREADY_SENT';

export function createMessageActivities(
  prisma: PrismaClient,
  transport: MessageTransport,
  selfServiceUrl: (interviewId: string) => string,
) {
  return {
    async sendMessage(input: SendMessageInput): Promise<{ outcome: SendOutcome; notificationId: string }> {
      const key = { interviewId: input.interviewId, attempt: input.attempt, point: input.point, channel: input.channel };
      const row = await prisma.notification.upsert({
        where: { interviewId_attempt_point_channel: key },
        create: { ...key, dueAt: new Date(input.dueAt) },
        update: {},
      });
      if (row.status === 'SENT') return { outcome: 'ALREADY_SENT', notificationId: row.id };

      const interview = await prisma.interview.findUniqueOrThrow({
        where: { id: input.interviewId },
        include: { candidate: true, position: true },
      });
      const rendered = renderMessage({
        point: input.point,
        candidateName: interview.candidate.name,
        positionTitle: interview.position.title,
        startsAt: interview.startsAt,
        timezone: interview.candidate.timezone,
        locale: interview.candidate.locale,
        joinUrl: interview.joinUrl,
        selfServiceUrl: selfServiceUrl(interview.id),
      });
      const attemptedAt = new Date();
      await prisma.notification.update({ where: { id: row.id }, data: { attemptedAt, body: rendered.body } });

      const sent = await transport.send({
        notificationId: row.id,
        channel: input.channel,
        to: input.channel === 'sms' ? interview.candidate.phone : interview.candidate.email,
        subject: rendered.subject,
        body: rendered.body,
      });

      const sentAt = new Date();
      await prisma.$transaction(async (t) => {
        await t.notification.update({
          where: { id: row.id },
          data: { status: 'SENT', transport: sent.transport, providerMessageId: sent.providerMessageId, sentAt },
        });
        await appendEvidence(t, input.interviewId, [
          {
            key: `message:${input.attempt}:${input.point}:${input.channel}`,
            kind: 'MESSAGE_SENT',
            at: sentAt,
            data: {
              attempt: input.attempt,
              notificationId: row.id,
              point: input.point,
              channel: input.channel,
              dueAt: input.dueAt,
              transport: sent.transport,
              providerMessageId: sent.providerMessageId,
            },
          },
        ]);
      });
      return { outcome: 'SENT', notificationId: row.id };
    },
  };
}
