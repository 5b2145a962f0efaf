import { localTime, pickLocale } from '../../domain/local-time';

export interface MessageContext {
  point: string;
  candidateName: string;
  positionTitle: string;
  startsAt: Date;
  timezone: string | null;
  locale: string | null;
  joinUrl: string;
  /** Where the candidate can cancel or move the interview. */
  selfServiceUrl: string;
}

export interface RenderedMessage {
  subject: string;
  body: string;
}

export function renderMessage(ctx: MessageContext): RenderedMessage {
  const locale = pickLocale(ctx.locale);
  const when = localTime(ctx.startsAt, ctx.timezone, locale);
  if (locale === 'zh-CN') {
    const lead = ctx.point === 'confirmation' ? '您的AI面试已确认' : '提醒：您的AI面试即将开始';
    return {
      subject: `${lead}：${ctx.positionTitle}`,
      body: `${ctx.candidateName}，您好！${lead}。\n岗位：${ctx.positionTitle}\n时间：${when}\n面试链接：${ctx.joinUrl}\n取消或改期：${ctx.selfServiceUrl}`,
    };
  }
  const lead = ctx.point === 'confirmation' ? 'Your AI interview is confirmed' : 'Reminder: your AI interview is coming up';
  return {
    subject: `${lead}: ${ctx.positionTitle}`,
    body: `Hello ${ctx.candidateName}, ${lead.charAt(0).toLowerCase()}${lead.slice(1)}.\nPosition: ${ctx.positionTitle}\nTime: ${when}\nJoin: ${ctx.joinUrl}\nCancel or move: ${ctx.selfServiceUrl}`,
  };
}
