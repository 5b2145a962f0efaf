/**
 * Everything the candidate page says, in the two languages candidates are
 * written to in. One object per language with the same keys, so a missing
 * translation is a type error.
 */
import type { Locale } from '../../domain/local-time';

export type Problem =
  | 'moves_used_up'
  | 'past_cutoff'
  | 'in_past'
  | 'bad_time'
  | 'closed'
  | 'busy'
  | 'reason_missing'
  | 'statement_short'
  | 'already_disputed'
  | 'dispute_window_over'
  | 'nothing_to_dispute'
  | 'try_later'
  | 'too_many'
  | 'forbidden'
  | 'unknown';

export interface Strings {
  lang: string;
  otherLanguage: { locale: Locale; label: string };
  title: string;
  heading: string;
  position: string;
  company: string;
  startsAt: string;
  timeZone: string;
  join: string;
  joinHint: string;
  cancelHeading: string;
  cancelEarly: string;
  cancelLate: string;
  reason: string;
  reasonHint: string;
  cancelButton: string;
  moveHeading: string;
  movesLeft: (n: number) => string;
  moveCutoff: (cutoff: string, until: string) => string;
  noMovesLeft: string;
  pastCutoff: (cutoff: string) => string;
  inWindow: string;
  newTime: (zone: string) => string;
  moveButton: string;
  done: { cancelled: string; lateCancelled: string; moved: (when: string) => string; contested: string };
  problem: Record<Problem, string>;
  problemHeading: string;
  awaiting: { NO_SHOW: (when: string) => string; LATE_CANCEL: (when: string) => string; next: string };
  recordHeading: string;
  classification: Record<string, string>;
  recordKind: { NO_SHOW: (when: string) => string; LATE_CANCEL: (when: string) => string };
  expires: (when: string) => string;
  noExpiry: string;
  evidenceHeading: string;
  evidenceNone: string;
  evidence: {
    sent: (point: string, channel: string) => string;
    delivered: (channel: string) => string;
    clicked: string;
    login: string;
    lateLogin: (minutes: number) => string;
    noShow: string;
    lateCancel: string;
    cancelled: string;
  };
  points: Record<string, string>;
  channels: Record<string, string>;
  contestHeading: string;
  contestUntil: (when: string) => string;
  statement: string;
  statementHint: string;
  contestButton: string;
  contestClosed: string;
  disputeHeading: string;
  dispute: { OPEN: (when: string) => string; UPHELD: (when: string) => string; RECLASSIFIED: (when: string, to: string) => string };
  link: {
    invalidTitle: string;
    invalid: string;
    expiredTitle: string;
    expired: string;
    usedTitle: string;
    used: Record<string, string>;
    contact: string;
  };
}

const en: Strings = {
  lang: 'en',
  otherLanguage: { locale: 'zh-CN', label: '中文' },
  title: 'Your AI interview',
  heading: 'Your AI interview',
  position: 'Position',
  company: 'Company',
  startsAt: 'Starts',
  timeZone: 'Time zone',
  join: 'Join the interview',
  joinHint: 'The link works from the start time.',
  cancelHeading: 'Cancel the interview',
  cancelEarly: 'It is more than 24 hours before the start: cancelling now leaves no record.',
  cancelLate:
    'It is less than 24 hours before the start: cancelling now is recorded as a late cancellation, and HR will decide whether you had a valid reason.',
  reason: 'Why are you cancelling?',
  reasonHint: 'Required. HR reads it.',
  cancelButton: 'Cancel the interview',
  moveHeading: 'Move to another time',
  movesLeft: (n) => (n === 1 ? 'You can move it 1 more time.' : `You can move it ${n} more times.`),
  moveCutoff: (cutoff, until) => `Moves are possible until ${cutoff} before the start (until ${until}).`,
  noMovesLeft: 'You have moved this interview as often as allowed. To change it again, contact the recruiter.',
  pastCutoff: (cutoff) => `It is less than ${cutoff} before the start: it can no longer be moved here. Contact the recruiter.`,
  inWindow: 'The interview has started: join it now with the link above.',
  newTime: (zone) => `New start (your time, ${zone})`,
  moveButton: 'Move the interview',
  done: {
    cancelled: 'Your interview is cancelled. We sent you a confirmation.',
    lateCancelled: 'Your interview is cancelled. We sent you a confirmation.',
    moved: (when) => `Your interview is moved to ${when}. We sent you a confirmation with a new link.`,
    contested: 'Your statement is sent. HR will review the record and decide.',
  },
  problem: {
    moves_used_up: 'This interview cannot be moved again: you have already moved it as often as the rules allow.',
    past_cutoff: 'It is too close to the start to move the interview.',
    in_past: 'The new time must be in the future.',
    bad_time: 'Choose a date and a time.',
    closed: 'This interview can no longer be changed.',
    busy: 'Another change to this interview is being made. Try again in a moment.',
    reason_missing: 'Please say why you are cancelling.',
    statement_short: 'Please explain in at least 10 characters why the record is wrong.',
    already_disputed: 'You have already contested this record.',
    dispute_window_over: 'The time to contest this record has passed.',
    nothing_to_dispute: 'There is no record to contest.',
    try_later: 'We cannot do this right now. Try again in a few minutes.',
    too_many: 'Too many tries. Wait a minute and try again.',
    forbidden: 'This form was not sent from this page. Open the link again and retry.',
    unknown: 'That did not work. Try again, or contact the recruiter.',
  },
  problemHeading: 'Not done',
  awaiting: {
    NO_SHOW: (when) => `You did not join the interview on ${when}.`,
    LATE_CANCEL: (when) => `You cancelled the interview of ${when} less than 24 hours before the start.`,
    next: 'HR will now decide whether there was a valid reason. If they record it as “no valid reason”, we will tell you, and you can contest it here.',
  },
  recordHeading: 'Your attendance record',
  classification: {
    NO_REASON: 'No valid reason. This record can be seen by HR across the group until it expires.',
    UNREACHABLE: 'HR could not reach you. Only this company sees this record; it is not a negative mark.',
    FORCE_MAJEURE: 'Force majeure. This is not held against you.',
    UNANNOTATED: 'Not classified by HR. Only this company sees it; it is not a negative mark.',
  },
  recordKind: {
    NO_SHOW: (when) => `Missed interview on ${when}.`,
    LATE_CANCEL: (when) => `Late cancellation of the interview on ${when}.`,
  },
  expires: (when) => `It expires on ${when}.`,
  noExpiry: 'It is not kept as a record against you.',
  evidenceHeading: 'What we recorded',
  evidenceNone: 'Nothing else was recorded.',
  evidence: {
    sent: (point, channel) => `${point} sent by ${channel}`,
    delivered: (channel) => `${channel} delivered (provider receipt)`,
    clicked: 'You opened the interview link',
    login: 'You logged in',
    lateLogin: (minutes) => `You logged in ${minutes} minutes after the start`,
    noShow: 'No login before the end of the grace period',
    lateCancel: 'Cancelled less than 24 hours before the start',
    cancelled: 'Cancellation received',
  },
  points: { confirmation: 'Confirmation', reminder: 'Reminder', cancelled: 'Cancellation notice', moved: 'New time notice', record: 'Record notice' },
  channels: { sms: 'SMS', email: 'e-mail' },
  contestHeading: 'Contest this record',
  contestUntil: (when) => `You can contest it until ${when}. HR reads your statement and decides.`,
  statement: 'Why is this record wrong?',
  statementHint: 'At least 10 characters. HR reads it.',
  contestButton: 'Contest the record',
  contestClosed: 'The time to contest this record has passed.',
  disputeHeading: 'Your dispute',
  dispute: {
    OPEN: (when) => `Sent on ${when}. HR has not decided yet.`,
    UPHELD: (when) => `HR decided on ${when} to keep the record.`,
    RECLASSIFIED: (when, to) => `HR decided on ${when} to change the record: ${to}`,
  },
  link: {
    invalidTitle: 'This link does not work',
    invalid: 'This link is not valid. Check that you opened the whole link from the message.',
    expiredTitle: 'This link has expired',
    expired: 'This link can no longer be used.',
    usedTitle: 'This link has been used',
    used: {
      CANCELLED: 'This interview is cancelled.',
      ATTENDED: 'You attended this interview.',
      other: 'This interview was moved or has ended. The newest message we sent you has the current link.',
    },
    contact: 'If you need anything else, contact the recruiter who invited you.',
  },
};

const zh: Strings = {
  lang: 'zh-CN',
  otherLanguage: { locale: 'en', label: 'English' },
  title: '您的AI面试',
  heading: '您的AI面试',
  position: '岗位',
  company: '公司',
  startsAt: '开始时间',
  timeZone: '时区',
  join: '进入面试',
  joinHint: '面试开始后即可进入。',
  cancelHeading: '取消面试',
  cancelEarly: '距开始还有24小时以上：现在取消不会留下记录。',
  cancelLate: '距开始已不足24小时：现在取消将记为“迟取消”，由HR判断您是否有正当理由。',
  reason: '取消原因',
  reasonHint: '必填，HR会看到。',
  cancelButton: '取消面试',
  moveHeading: '改到其他时间',
  movesLeft: (n) => `您还可以改期${n}次。`,
  moveCutoff: (cutoff, until) => `最晚可在开始前${cutoff}改期（即${until}之前）。`,
  noMovesLeft: '您的改期次数已用完。如需再改，请联系招聘人员。',
  pastCutoff: (cutoff) => `距开始已不足${cutoff}，无法在此改期。请联系招聘人员。`,
  inWindow: '面试已开始：请通过上方链接进入。',
  newTime: (zone) => `新的开始时间（您当地时间，${zone}）`,
  moveButton: '确认改期',
  done: {
    cancelled: '面试已取消，确认消息已发送给您。',
    lateCancelled: '面试已取消，确认消息已发送给您。',
    moved: (when) => `面试已改到${when}，确认消息和新链接已发送给您。`,
    contested: '您的申诉已提交，HR将复核记录并作出决定。',
  },
  problem: {
    moves_used_up: '无法再次改期：您的改期次数已达上限。',
    past_cutoff: '距开始时间太近，无法改期。',
    in_past: '新的时间必须在将来。',
    bad_time: '请选择日期和时间。',
    closed: '此面试已无法更改。',
    busy: '此面试正在处理另一项更改，请稍后再试。',
    reason_missing: '请填写取消原因。',
    statement_short: '请至少用10个字说明记录为何有误。',
    already_disputed: '您已对此记录提出过申诉。',
    dispute_window_over: '申诉期限已过。',
    nothing_to_dispute: '没有可申诉的记录。',
    try_later: '暂时无法处理，请几分钟后再试。',
    too_many: '尝试次数过多，请一分钟后再试。',
    forbidden: '此表单并非从本页面提交。请重新打开链接再试。',
    unknown: '操作未成功，请重试或联系招聘人员。',
  },
  problemHeading: '未完成',
  awaiting: {
    NO_SHOW: (when) => `您未参加${when}的面试。`,
    LATE_CANCEL: (when) => `您在${when}的面试开始前不足24小时取消了面试。`,
    next: 'HR将判断是否有正当理由。如被记为“无正当理由”，我们会通知您，您可在此页面申诉。',
  },
  recordHeading: '您的出勤记录',
  classification: {
    NO_REASON: '无正当理由。此记录在失效前，集团内各公司的HR均可看到。',
    UNREACHABLE: 'HR未能联系到您。仅本公司可见，不属于负面记录。',
    FORCE_MAJEURE: '不可抗力。不会对您产生不利影响。',
    UNANNOTATED: 'HR未作分类。仅本公司可见，不属于负面记录。',
  },
  recordKind: {
    NO_SHOW: (when) => `未参加${when}的面试。`,
    LATE_CANCEL: (when) => `迟取消${when}的面试。`,
  },
  expires: (when) => `记录将于${when}失效。`,
  noExpiry: '不作为对您不利的记录保留。',
  evidenceHeading: '我们记录的情况',
  evidenceNone: '没有其他记录。',
  evidence: {
    sent: (point, channel) => `已通过${channel}发送${point}`,
    delivered: (channel) => `${channel}已送达（运营商回执）`,
    clicked: '您打开了面试链接',
    login: '您登录了面试',
    lateLogin: (minutes) => `您在开始${minutes}分钟后登录`,
    noShow: '宽限期结束前未登录',
    lateCancel: '开始前不足24小时取消',
    cancelled: '收到取消',
  },
  points: { confirmation: '确认通知', reminder: '提醒', cancelled: '取消通知', moved: '改期通知', record: '记录通知' },
  channels: { sms: '短信', email: '邮件' },
  contestHeading: '申诉此记录',
  contestUntil: (when) => `您可在${when}之前申诉。HR会阅读您的说明并作出决定。`,
  statement: '记录为何有误？',
  statementHint: '至少10个字，HR会看到。',
  contestButton: '提交申诉',
  contestClosed: '申诉期限已过。',
  disputeHeading: '您的申诉',
  dispute: {
    OPEN: (when) => `已于${when}提交，HR尚未作出决定。`,
    UPHELD: (when) => `HR已于${when}决定维持记录。`,
    RECLASSIFIED: (when, to) => `HR已于${when}决定更改记录：${to}`,
  },
  link: {
    invalidTitle: '链接无效',
    invalid: '此链接无效。请确认您打开的是消息中的完整链接。',
    expiredTitle: '链接已过期',
    expired: '此链接已无法使用。',
    usedTitle: '链接已使用',
    used: {
      CANCELLED: '此面试已取消。',
      ATTENDED: '您已参加此面试。',
      other: '此面试已改期或已结束。请使用我们最新发给您的消息中的链接。',
    },
    contact: '如有其他需要，请联系邀请您的招聘人员。',
  },
};

export const STRINGS: Record<Locale, Strings> = { en, 'zh-CN': zh };
