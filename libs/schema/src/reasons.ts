// Stable, low-cardinality rejection reasons: used as the `reason` label of ingest_events_invalid_total and stored
// with dead-lettered events, so never rename one; add new ones at the end.

export const REJECT_REASONS = [
  // decode: the message as a whole
  'too_large',
  'invalid_utf8',
  'too_deep',
  'invalid_json',
  'not_an_object',
  // decode: envelope
  'missing_did',
  'invalid_did',
  'missing_time_us',
  'invalid_time_us',
  'missing_kind',
  'invalid_kind',
  'unknown_kind',
  'invalid_cursor',
  // decode: commit
  'missing_commit',
  'invalid_commit',
  'invalid_rev',
  'invalid_operation',
  'invalid_collection',
  'invalid_rkey',
  'missing_record',
  'invalid_record',
  'invalid_cid',
  // decode: identity / account
  'missing_identity',
  'invalid_identity',
  'missing_account',
  'invalid_account',
  'did_mismatch',
  // normalize: post records
  'missing_cid',
  'invalid_record_type',
  'invalid_text',
  'text_too_long',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  ok: false;
  reason: RejectReason;
  /** Human-readable, short, never the whole input. */
  detail: string;
}

export const reject = (reason: RejectReason, detail: string): Rejection => ({ ok: false, reason, detail });
