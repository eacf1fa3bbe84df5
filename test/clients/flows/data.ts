/**
 * What the client flows send: member rows hashed the way Meta documents (trim, lowercase, SHA-256),
 * built the same way in the test process and in child processes so both sides agree.
 */
import { createHash } from 'node:crypto';

export const sha = (s: string): string => createHash('sha256').update(s.trim().toLowerCase(), 'utf8').digest('hex');

/** The demo world's people, so some rows match someone. */
export const MEMBERS = [
  { email: 'alice@example.com', fn: 'alice' },
  { email: 'bob@example.com', fn: 'bob' },
  { email: 'nobody-1@example.com', fn: 'nobody' },
];

/** Multi-key rows `[EMAIL, FN]`, hashed. */
export function multiKeyRows(): string[][] {
  return MEMBERS.map((m) => [sha(m.email), sha(m.fn)]);
}

/** `n` single-key EMAIL hashes: alice first (she was added), then made-up addresses. */
export function emailHashes(n: number): string[] {
  const out = [sha('alice@example.com')];
  for (let i = 1; i < n; i++) out.push(sha(`member-${i}@example.com`));
  return out;
}

/** The input every flow gets; flows that need an audience or account read it from here. */
export interface FlowInput {
  token: string;
  /** The ad account id without `act_`. */
  accountId: string;
  audienceId?: string;
  /** Rows for the large removal. */
  removeCount?: number;
  /** The upload session of the add flow: unique per audience within an ad account. */
  sessionId?: number;
  /** For the paging flow. */
  pageSize?: number;
  /** Base URL for clients with a hook (base-URL way); absent when the client comes through the proxy. */
  graphBase?: string;
  appSecret?: string;
}

/** What a flow reports back: what the client received, as plain JSON. */
export type FlowReport = Record<string, unknown>;

/** A fresh upload session id (Graph wants them unique within an ad account). */
export function newSessionId(): number {
  return 1_000_000_000 + Math.floor(Math.random() * 8_000_000_000);
}

export const FLOWS = ['me', 'createAudience', 'addUsers', 'removeUsers', 'listAudiences', 'batch', 'error'] as const;
export type FlowName = (typeof FLOWS)[number];
