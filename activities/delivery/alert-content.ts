/**
 * What an HR alert says, read from the database when it is sent: who, which
 * position, when, what the evidence shows, the classification deadline and
 * the console's deep link. The e-mail names the candidate (it goes to HR's
 * own addresses); a group-chat robot's message does not: it passes through
 * the chat vendor's servers, so it carries the platform's candidate id and
 * the link, behind which HR sees the rest.
 */
import type { PrismaClient } from '../../lib/database';
import type { AlertKind } from '../../domain/outbound-events';
import { classificationDeadline } from '../../lib/outbound-events';
import { localTime, pickLocale, type Locale } from '../../domain/local-time';

export interface AlertContent {
  kind: AlertKind;
  candidateName: string;
  candidateId: string;
  positionTitle: string;
  startsAt: Date;
  timezone: string | null;
  attempt: number;
  deadline: Date | null;
  reminders: { sent: number; delivered: number };
  linkClicks: number;
  /** Minutes after the start of the first login after the no-show, if any. */
  lateLoginMinutes: number | null;
  link: string;
}

export async function readAlertContent(prisma: PrismaClient, alertId: string, publicUrl: string): Promise<AlertContent> {
  const alert = await prisma.hrAlert.findUniqueOrThrow({
    where: { id: alertId },
    include: { interview: { include: { candidate: true, position: true } } },
  });
  const iv = alert.interview;
  const record = await prisma.noShowRecord.findUnique({ where: { interviewId_attempt: { interviewId: iv.id, attempt: alert.attempt } } });
  const messages = await prisma.notification.findMany({
    where: { interviewId: iv.id, attempt: alert.attempt },
    select: { status: true, deliveryStatus: true },
  });
  const evidence = await prisma.evidence.findMany({
    where: { interviewId: iv.id, kind: { in: ['LINK_CLICKED', 'LATE_LOGIN'] } },
    select: { kind: true, data: true },
    orderBy: { seq: 'asc' },
  });
  const lateLogin = evidence.find((e) => e.kind === 'LATE_LOGIN');
  return {
    kind: alert.kind as AlertKind,
    candidateName: iv.candidate.name,
    candidateId: iv.candidate.externalId,
    positionTitle: iv.position.title,
    startsAt: record?.scheduledStart ?? iv.startsAt,
    timezone: iv.candidate.timezone,
    attempt: alert.attempt,
    deadline: record ? classificationDeadline(record.detectedAt, iv.policy) : null,
    reminders: { sent: messages.filter((m) => m.status === 'SENT').length, delivered: messages.filter((m) => m.deliveryStatus === 'delivered').length },
    linkClicks: evidence.filter((e) => e.kind === 'LINK_CLICKED').length,
    lateLoginMinutes: lateLogin ? ((lateLogin.data as { minutesLate?: number }).minutesLate ?? null) : null,
    link: `${publicUrl}/console/interviews/${encodeURIComponent(iv.externalId)}`,
  };
}

const HEADLINE: Record<Locale, Record<AlertKind, string>> = {
  en: {
    NO_SHOW: 'No-show',
    LATE_CANCEL: 'Late cancellation',
    ANNOTATION_DUE: 'Classification due soon',
    LATE_IN_WINDOW_LOGIN: 'Login inside the window reported after the decision',
  },
  'zh-CN': { NO_SHOW: '候选人缺席', LATE_CANCEL: '候选人临近取消', ANNOTATION_DUE: '缺席分类即将到期', LATE_IN_WINDOW_LOGIN: '决定后收到窗口内的登录记录' },
};

const LEAD: Record<Locale, Record<AlertKind, string>> = {
  en: {
    NO_SHOW: 'The candidate did not log in before the grace period ended. Classify the no-show, or reschedule.',
    LATE_CANCEL: 'The candidate cancelled less than 24 hours before the start. Classify the late cancellation, or reschedule.',
    ANNOTATION_DUE: 'This record is still unclassified; it closes as unannotated at the deadline.',
    LATE_IN_WINDOW_LOGIN: 'A login inside the interview window reached Turnout after the record was decided. Consider reclassifying it.',
  },
  'zh-CN': {
    NO_SHOW: '候选人在宽限期结束前未登录。请对缺席进行分类，或改期。',
    LATE_CANCEL: '候选人在面试开始前不足 24 小时取消。请对此次取消进行分类，或改期。',
    ANNOTATION_DUE: '此记录尚未分类，截止时将以“未标注”关闭。',
    LATE_IN_WINDOW_LOGIN: '记录决定后才收到面试窗口内的登录。请考虑重新分类。',
  },
};

function lines(c: AlertContent, locale: Locale, who: string): { headline: string; rows: [string, string][] } {
  const when = localTime(c.startsAt, c.timezone, locale);
  const deadline = c.deadline ? localTime(c.deadline, c.timezone, locale) : '—';
  if (locale === 'zh-CN') {
    const login = c.lateLoginMinutes === null ? '未登录' : `迟到 ${c.lateLoginMinutes} 分钟后登录`;
    return {
      headline: HEADLINE[locale][c.kind],
      rows: [
        ['候选人', who],
        ['岗位', c.positionTitle],
        ['面试时间', `${when}（第 ${c.attempt} 次）`],
        ['证据', `已发送消息（确认与提醒）${c.reminders.sent} 条，已送达 ${c.reminders.delivered} 条；点击链接 ${c.linkClicks} 次；${login}`],
        ['分类截止', deadline],
        ['处理', c.link],
      ],
    };
  }
  const login = c.lateLoginMinutes === null ? 'no login' : `logged in ${c.lateLoginMinutes} minutes late`;
  return {
    headline: HEADLINE[locale][c.kind],
    rows: [
      ['Candidate', who],
      ['Position', c.positionTitle],
      ['Interview', `${when} (attempt ${c.attempt})`],
      ['Evidence', `${c.reminders.sent} message(s) sent (confirmation and reminders), ${c.reminders.delivered} delivered; link clicked ${c.linkClicks} time(s); ${login}`],
      ['Classify by', deadline],
      ['Act', c.link],
    ],
  };
}

/** The alert e-mail, in the subsidiary's alerting locale. */
export function renderAlertEmail(c: AlertContent, localeSetting: string): { subject: string; body: string } {
  const locale = pickLocale(localeSetting);
  const { headline, rows } = lines(c, locale, locale === 'zh-CN' ? `${c.candidateName}（${c.candidateId}）` : `${c.candidateName} (${c.candidateId})`);
  const sep = locale === 'zh-CN' ? '：' : ': ';
  return {
    subject: `${headline}${sep}${c.candidateName} · ${c.positionTitle}`,
    body: [LEAD[locale][c.kind], '', ...rows.map(([k, v]) => `${k}${sep}${v}`)].join('\n'),
  };
}

/** The robot's message: no name or contact details (see the header). */
export function renderAlertChat(c: AlertContent, localeSetting: string): { title: string; markdown: string; text: string } {
  const locale = pickLocale(localeSetting);
  const { headline, rows } = lines(c, locale, c.candidateId);
  const sep = locale === 'zh-CN' ? '：' : ': ';
  const title = `${headline}${sep}${c.positionTitle}`;
  const linkLabel = locale === 'zh-CN' ? '在控制台处理' : 'Open in the console';
  const md = rows.map(([k, v]) => (v === c.link ? `[${linkLabel}](${v})` : `**${k}**${sep}${v}`));
  return {
    title,
    markdown: [`### ${title}`, ...md].join('\n\n'),
    text: [title, ...rows.map(([k, v]) => `${k}${sep}${v}`)].join('\n'),
  };
}
