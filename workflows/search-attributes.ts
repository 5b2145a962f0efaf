import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Turnout's custom search attributes: ids and states only, because Temporal
 * stores them in plain text. The dev server registers them at start
 * (dev/temporal-server.ts); a production cluster needs
 * `temporal operator search-attribute create` once (see README).
 */
export const TenantId = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const GroupId = defineSearchAttributeKey('GroupId', SearchAttributeType.KEYWORD);
export const CandidateId = defineSearchAttributeKey('CandidateId', SearchAttributeType.KEYWORD);
export const InterviewStatus = defineSearchAttributeKey('InterviewStatus', SearchAttributeType.KEYWORD);
export const ScheduledStart = defineSearchAttributeKey('ScheduledStart', SearchAttributeType.DATETIME);
export const NoShowClassification = defineSearchAttributeKey('NoShowClassification', SearchAttributeType.KEYWORD);

/** name → CLI type, for `temporal server start-dev --search-attribute Name=Type`. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword' | 'Datetime'> = {
  TenantId: 'Keyword',
  GroupId: 'Keyword',
  CandidateId: 'Keyword',
  InterviewStatus: 'Keyword',
  ScheduledStart: 'Datetime',
  NoShowClassification: 'Keyword',
};
