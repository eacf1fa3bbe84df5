/**
 * The request journal: the last N calls, as the control surface shows them. Kept in memory (it is
 * a debugging aid, and an in-memory ring costs nothing on the hot path); entries are masked
 * before they are stored.
 */
import type { ParamSource } from '../graph/params.js';

export interface JournalEntry {
  seq: number;
  at: string;
  method: string;
  path: string;
  encodings: ParamSource[];
  params: Record<string, unknown>;
  status: number;
  errorCode?: number;
  errorSubcode?: number;
  latencyMs: number;
  traceId: string;
  /** Set when fault injection produced the answer: the rule's id. */
  injected?: string;
  batchOf?: string;
  /** Notes for the reader: e.g. a raw `+` in a batch body, read as a space as Graph does. */
  warnings?: string[];
}

export class Journal {
  private entries: JournalEntry[] = [];
  private seq = 0;

  constructor(private readonly size: number) {}

  add(e: Omit<JournalEntry, 'seq'>): JournalEntry {
    const entry = { ...e, seq: ++this.seq };
    this.entries.push(entry);
    if (this.entries.length > this.size) this.entries.splice(0, this.entries.length - this.size);
    return entry;
  }

  last(n: number): JournalEntry[] {
    return this.entries.slice(-n).reverse();
  }

  clear(): void {
    this.entries = [];
  }
}
