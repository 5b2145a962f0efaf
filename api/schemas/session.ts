/** The HR console's session as GET /v1/session shows it (api/routes/session.ts). */
import { Type } from '@sinclair/typebox';
import { Instant, Nullable } from './common';

export const ConsoleLocaleSchema = Type.Union([Type.Literal('en'), Type.Literal('zh-CN')], { description: 'the console language' });

export const SessionView = Type.Object({
  sub: Type.String({ description: 'the signed-in user, as audit entries name them' }),
  role: Type.Union([Type.Literal('hr'), Type.Literal('group_hr'), Type.Literal('auditor')]),
  groupId: Type.String(),
  subsidiaryId: Nullable(Type.String()),
  name: Nullable(Type.String({ description: 'the display name the identity provider gave, if any' })),
  locale: Nullable(ConsoleLocaleSchema),
  signedInVia: Type.Union([Type.Literal('oidc'), Type.Literal('console-link')]),
  signedInAt: Instant,
  expiresAt: Type.String({ format: 'date-time', description: 'the end of the session\'s lifetime; unused for the idle timeout, it ends sooner' }),
  csrfToken: Type.String({ description: 'send it as x-csrf-token on every write through this session' }),
  may: Type.Object(
    {
      write: Type.Boolean({ description: 'annotate and reschedule interviews, decide disputes, mark alerts read' }),
      groupPolicy: Type.Boolean({ description: "read and change the group's policy and its history (group HR of the whole group)" }),
    },
    { description: 'what the role may do (api/roles.ts), so the console offers only the forms the API would accept' },
  ),
});

export const SessionPatch = Type.Object({ locale: ConsoleLocaleSchema }, { additionalProperties: false });
