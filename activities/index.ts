/**
 * The worker's activities, built from their dependencies: tests pass a
 * database of their own and a transport of their choosing, production passes
 * the real clients. Workflows import only the factories' types.
 */
import type { PrismaClient } from '../lib/database';
import { createLifecycleActivities } from './lifecycle';
import { createMessageActivities } from './messages';
import { createRecordsActivities } from './records';
import type { MessageTransport } from './messaging/transport';
import type { ShortLinks } from '../lib/short-links';

export interface ActivityDeps {
  prisma: PrismaClient;
  transport: MessageTransport;
  /** Where the short self-service links in messages point, and their key (lib/short-links.ts). */
  links: ShortLinks;
  /** Hashes candidates' contact details for matching across subsidiaries: identityKey(masterKey) from domain/identity.ts. */
  identityKey: Buffer;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createLifecycleActivities(deps.prisma, deps.identityKey),
    ...createRecordsActivities(deps.prisma, deps.identityKey),
    ...createMessageActivities(deps.prisma, deps.transport, deps.links),
  };
}
