/**
 * What each message says, in the candidate's language (zh-CN or en): the
 * confirmation, the reminders, and the notices of a change
 * (domain/notices.ts: cancelled, moved, record).
 *
 * An SMS is as short as the text allows, because a Chinese SMS is billed per
 * 70 characters (UCS-2; 67 per part once it is split): it names the position
 * and the local time and carries only the short link, whose page has the
 * join button, cancel and move. An e-mail has room: a plain-text part and an
 * HTML part (table layout, inline styles, no remote image or script) with
 * the join button and the link; the confirmation and each move carry an
 * .ics invite (METHOD:REQUEST, a higher SEQUENCE on each move), a
 * cancellation an .ics that cancels it (METHOD:CANCEL).
 */
import { candidateZone, localTime, pickLocale, shortLocalTime, type Locale } from '../../domain/local-time';
import { CANCELLED_NOTICE, RECORD_NOTICE, isMovedNotice } from '../../domain/notices';
import type { Attachment } from './transport';

export interface MessageContext {
  point: string;
  channel: string;
  candidateName: string;
  positionTitle: string;
  /** The subsidiary's name: who invites. */
  company: string;
  startsAt: Date;
  timezone: string | null;
  locale: string | null;
  joinUrl: string;
  /** The message's own short link (lib/short-links.ts): the page to see, cancel, move or contest. */
  selfServiceUrl: string;
  /** For a cancellation notice: whether it counts as a late cancel. */
  late?: boolean;
  /** For a record notice: when the record expires, and until when it may be contested. */
  record?: { expiresAt: Date | null; contestUntil: Date | null };
  /** For the calendar invite: a stable id of the interview, and how many times it was moved so far. */
  calendar?: { uid: string; sequence: number; organizerEmail: string };
}

export interface RenderedMessage {
  subject: string;
  /** The SMS, or the e-mail's plain-text part. */
  body: string;
  /** The e-mail's HTML part. */
  html?: string;
  attachments?: Attachment[];
}

type Kind = 'confirmation' | 'reminder' | 'moved' | 'cancelled' | 'record';

function kindOf(point: string): Kind {
  if (point === 'confirmation') return 'confirmation';
  if (point === CANCELLED_NOTICE) return 'cancelled';
  if (point === RECORD_NOTICE) return 'record';
  if (isMovedNotice(point)) return 'moved';
  return 'reminder';
}

interface Texts {
  subject: string;
  lead: string;
  /** Lines after the lead in the e-mail. */
  lines: string[];
  /** Whether the e-mail shows the join button. */
  join: boolean;
  /** The label of the link to the candidate's page. */
  linkLabel: string | null;
  sms: string;
}

function texts(ctx: MessageContext, locale: Locale, kind: Kind): Texts {
  const when = localTime(ctx.startsAt, ctx.timezone, locale);
  const short = shortLocalTime(ctx.startsAt, ctx.timezone, locale);
  const link = ctx.selfServiceUrl;
  const p = ctx.positionTitle;
  if (locale === 'zh-CN') {
    const lines = [`岗位：${p}`, `公司：${ctx.company}`, `时间：${when}`];
    switch (kind) {
      case 'confirmation':
        return { subject: `AI面试已确认：${p}`, lead: `${ctx.candidateName}，您好！您的AI面试已确认。`, lines, join: true, linkLabel: '取消或改期', sms: `您的AI面试（${p}）已确认：${short}。详情/改期：${link}` };
      case 'reminder':
        return { subject: `AI面试提醒：${p}`, lead: `${ctx.candidateName}，您好！您的AI面试即将开始。`, lines, join: true, linkLabel: '取消或改期', sms: `AI面试提醒：${p}，${short}开始。进入/改期：${link}` };
      case 'moved':
        return { subject: `AI面试已改期：${p}`, lead: `${ctx.candidateName}，您好！您的AI面试已改到新的时间。`, lines, join: true, linkLabel: '取消或改期', sms: `您的AI面试（${p}）已改到${short}。详情：${link}` };
      case 'cancelled': {
        const late = ctx.late ? '因距开始不足24小时，将记为迟取消，由HR判断是否有正当理由。' : '不会留下任何记录。';
        return {
          subject: `AI面试已取消：${p}`,
          lead: `${ctx.candidateName}，您好！您的AI面试已取消。${late}`,
          lines: [`岗位：${p}`, `公司：${ctx.company}`, `原定时间：${when}`],
          join: false,
          linkLabel: ctx.late ? '查看' : null,
          sms: ctx.late ? `您的AI面试（${p}）已取消，记为迟取消，由HR审核。详情：${link}` : `您的AI面试（${p}，${short}）已取消，无任何记录。`,
        };
      }
      case 'record': {
        const until = ctx.record?.expiresAt ? localTime(ctx.record.expiresAt, ctx.timezone, locale).split(' ')[0] : '';
        const contest = ctx.record?.contestUntil ? localTime(ctx.record.contestUntil, ctx.timezone, locale).split(' ')[0] : '';
        return {
          subject: `出勤记录通知：${p}`,
          lead: `${ctx.candidateName}，您好！HR已将您未参加的AI面试记为“无正当理由”。`,
          lines: [`岗位：${p}`, `公司：${ctx.company}`, `面试时间：${when}`, `记录保留至：${until}`, `可申诉至：${contest}`],
          join: false,
          linkLabel: '查看记录或申诉',
          sms: `HR已将您${short}的AI面试缺席记为“无正当理由”，保留至${until}。查看/申诉：${link}`,
        };
      }
    }
  }
  const lines = [`Position: ${p}`, `Company: ${ctx.company}`, `Time: ${when}`];
  switch (kind) {
    case 'confirmation':
      return { subject: `AI interview confirmed: ${p}`, lead: `Hello ${ctx.candidateName}, your AI interview is confirmed.`, lines, join: true, linkLabel: 'Cancel or move', sms: `AI interview (${p}) confirmed: ${short}. Details: ${link}` };
    case 'reminder':
      return { subject: `Reminder: AI interview ${p}`, lead: `Hello ${ctx.candidateName}, your AI interview is coming up.`, lines, join: true, linkLabel: 'Cancel or move', sms: `Reminder: AI interview (${p}) at ${short}. Join/move: ${link}` };
    case 'moved':
      return { subject: `AI interview moved: ${p}`, lead: `Hello ${ctx.candidateName}, your AI interview has a new time.`, lines, join: true, linkLabel: 'Cancel or move', sms: `Your AI interview (${p}) is moved to ${short}. Details: ${link}` };
    case 'cancelled': {
      const late = ctx.late
        ? 'It was less than 24 hours before the start, so it is recorded as a late cancellation, and HR will decide whether there was a valid reason.'
        : 'This leaves no record.';
      return {
        subject: `AI interview cancelled: ${p}`,
        lead: `Hello ${ctx.candidateName}, your AI interview is cancelled. ${late}`,
        lines: [`Position: ${p}`, `Company: ${ctx.company}`, `Was: ${when}`],
        join: false,
        linkLabel: ctx.late ? 'Details' : null,
        sms: ctx.late ? `Your AI interview (${p}) is cancelled, as a late cancel for HR to review. Details: ${link}` : `Your AI interview (${p}, ${short}) is cancelled. No record.`,
      };
    }
    case 'record': {
      const until = ctx.record?.expiresAt ? localTime(ctx.record.expiresAt, ctx.timezone, locale).replace(/, \d\d:\d\d.*$/, '') : '';
      const contest = ctx.record?.contestUntil ? localTime(ctx.record.contestUntil, ctx.timezone, locale).replace(/, \d\d:\d\d.*$/, '') : '';
      return {
        subject: `Attendance record: ${p}`,
        lead: `Hello ${ctx.candidateName}, HR recorded your missed AI interview as "no valid reason".`,
        lines: [`Position: ${p}`, `Company: ${ctx.company}`, `Interview: ${when}`, `Record kept until: ${until}`, `You can contest it until: ${contest}`],
        join: false,
        linkLabel: 'See or contest the record',
        sms: `HR recorded your missed AI interview of ${short} as "no valid reason", kept until ${until}. See/contest: ${link}`,
      };
    }
  }
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The HTML part: one centred 560 px table, every style inline (mail clients drop <style> and never load remote parts). */
function emailHtml(ctx: MessageContext, locale: Locale, t: Texts): string {
  // Single quotes: the list sits inside double-quoted style attributes.
  const font = "font-family:-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',Arial,sans-serif";
  const joinLabel = locale === 'zh-CN' ? '进入面试' : 'Join the interview';
  const rows = t.lines.map((l) => `<tr><td style="${font};font-size:15px;line-height:22px;color:#1a1a1a;padding:2px 0">${escapeHtml(l)}</td></tr>`).join('');
  const join = t.join
    ? `<tr><td style="padding:16px 0 8px"><table role="presentation" cellspacing="0" cellpadding="0" border="0"><tr><td style="background:#0b57d0;border-radius:6px"><a href="${escapeHtml(ctx.joinUrl)}" style="${font};display:inline-block;padding:12px 24px;font-size:16px;font-weight:bold;color:#ffffff;background:#0b57d0;border-radius:6px;text-decoration:none">${joinLabel}</a></td></tr></table></td></tr>`
    : '';
  const sep = locale === 'zh-CN' ? '：' : ': ';
  const link = t.linkLabel
    ? `<tr><td style="${font};font-size:14px;line-height:20px;color:#444444;padding:8px 0">${escapeHtml(t.linkLabel)}${sep}<a href="${escapeHtml(ctx.selfServiceUrl)}" style="color:#0b57d0">${escapeHtml(ctx.selfServiceUrl)}</a></td></tr>`
    : '';
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(t.subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="background:#f4f5f7"><tr><td align="center" style="padding:16px 8px">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="max-width:560px;background:#ffffff;border:1px solid #d8dbe0;border-radius:8px">
<tr><td style="padding:20px 20px 16px">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0">
<tr><td style="${font};font-size:18px;line-height:26px;font-weight:bold;color:#1a1a1a;padding:0 0 12px">${escapeHtml(t.subject)}</td></tr>
<tr><td style="${font};font-size:15px;line-height:22px;color:#1a1a1a;padding:0 0 8px">${escapeHtml(t.lead)}</td></tr>
${rows}${join}${link}
</table></td></tr></table>
<p style="${font};font-size:12px;line-height:18px;color:#666666;margin:12px 0 0">${escapeHtml(ctx.company)} · Turnout</p>
</td></tr></table>
</body></html>
`;
}

/** iCalendar text: CRLF lines, folded at 75 octets, text values escaped (RFC 5545). */
function icsLine(line: string): string {
  const out: string[] = [];
  let rest = Buffer.from(line, 'utf8');
  while (rest.length > 75) {
    let cut = out.length === 0 ? 75 : 74;
    while (cut > 0 && (rest[cut]! & 0xc0) === 0x80) cut -= 1; // never split a UTF-8 character
    out.push(rest.subarray(0, cut).toString('utf8'));
    rest = rest.subarray(cut);
  }
  out.push(rest.toString('utf8'));
  return out.join('\r\n ');
}

const icsText = (text: string) => text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
const icsTime = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** How long the invite blocks: the platform does not say how long an interview lasts. */
const INVITE_LENGTH = 'PT1H';

export function calendarInvite(ctx: MessageContext, locale: Locale, method: 'REQUEST' | 'CANCEL'): Attachment {
  const cal = ctx.calendar!;
  const summary = locale === 'zh-CN' ? `AI面试：${ctx.positionTitle}（${ctx.company}）` : `AI interview: ${ctx.positionTitle} (${ctx.company})`;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Turnout//Interview//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${method}`,
    'BEGIN:VEVENT',
    `UID:${cal.uid}`,
    `SEQUENCE:${cal.sequence}`,
    `DTSTAMP:${icsTime(new Date())}`,
    `DTSTART:${icsTime(ctx.startsAt)}`,
    `DURATION:${INVITE_LENGTH}`,
    `SUMMARY:${icsText(summary)}`,
    `DESCRIPTION:${icsText(`${ctx.joinUrl}\n${ctx.selfServiceUrl}`)}`,
    `URL:${ctx.joinUrl}`,
    `ORGANIZER;CN=${icsText(ctx.company)}:mailto:${cal.organizerEmail}`,
    `STATUS:${method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return {
    filename: method === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
    contentType: `text/calendar; charset=utf-8; method=${method}`,
    content: `${lines.map(icsLine).join('\r\n')}\r\n`,
  };
}

export function renderMessage(ctx: MessageContext): RenderedMessage {
  const locale = pickLocale(ctx.locale);
  const kind = kindOf(ctx.point);
  const t = texts({ ...ctx, timezone: candidateZone(ctx.timezone) }, locale, kind);
  if (ctx.channel === 'sms') return { subject: t.subject, body: t.sms };
  const linkLine = t.linkLabel ? `\n${t.linkLabel}${locale === 'zh-CN' ? '：' : ': '}${ctx.selfServiceUrl}` : '';
  const joinLine = t.join ? `\n${locale === 'zh-CN' ? '面试链接：' : 'Join: '}${ctx.joinUrl}` : '';
  const body = `${t.lead}\n${t.lines.join('\n')}${joinLine}${linkLine}`;
  const method = kind === 'confirmation' || kind === 'moved' ? 'REQUEST' : kind === 'cancelled' ? 'CANCEL' : null;
  return {
    subject: t.subject,
    body,
    html: emailHtml(ctx, locale, t),
    ...(method && ctx.calendar ? { attachments: [calendarInvite(ctx, locale, method)] } : {}),
  };
}

/**
 * SMS parts a text takes: GSM-7 fits 160 characters (153 per part when split);
 * any other character makes the whole text UCS-2, 70 (67 per part), counted
 * in UTF-16 code units.
 */
export function smsSegments(text: string): number {
  // The GSM 03.38 basic set (extension characters, counted as two, are rare in these texts).
  const gsm = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;
  if (gsm.test(text)) return text.length <= 160 ? 1 : Math.ceil(text.length / 153);
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}
