/**
 * The clock when several processes share one database. The offset moved through
 * `POST /_localgraph/clock` on one process is stored in `meta`; every other process must see it
 * on its very next request, or a test that moves the clock through one process and calls another
 * would read an unmoved clock.
 *
 * So the offset is re-read at the start of each HTTP request (one primary-key read, about 50 µs on
 * a local PostgreSQL) and once a second in the background for workers. Concurrent requests share
 * reads: a request joins a read that started after it arrived, never one that started before
 * (that one might predate the change it must see).
 */
import { OffsetClock } from '../server/clock.js';

export const CLOCK_META_KEY = 'clock_offset_ms';

export interface OffsetSource {
  getMeta(key: string): Promise<string | undefined>;
}

export class SharedClock extends OffsetClock {
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bumped by every local move: a read that began before one must not undo it. */
  private localMoves = 0;

  constructor(private readonly source: OffsetSource) {
    super();
  }

  /** A move made here (the control surface), stored by the caller right after. */
  override setOffset(ms: number): void {
    this.localMoves++;
    super.setOffset(ms);
  }

  /** Reads the stored offset; resolves once a read that began after this call has finished. */
  refresh(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.readOnce().finally(() => {
        this.inFlight = undefined;
      });
      return this.inFlight;
    }
    // A read is under way but may have started before our caller's change: queue one more.
    this.queued ??= this.inFlight.then(() => {
      this.queued = undefined;
      return this.refresh();
    });
    return this.queued;
  }

  /** Background refresh for code that runs outside requests (matching workers). */
  startPolling(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch(() => {
        // The store is briefly unreachable: keep the last offset; readiness reports the outage.
      });
    }, intervalMs);
    this.timer.unref();
  }

  stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async readOnce(): Promise<void> {
    const movesBefore = this.localMoves;
    const v = await this.source.getMeta(CLOCK_META_KEY);
    // The clock was moved here while the read was under way: the value read may predate it.
    if (this.localMoves !== movesBefore) return;
    // A reset clears `meta`; like the single-process clock, the offset then stays where it was.
    if (v === undefined) return;
    const ms = Number(v);
    if (Number.isFinite(ms)) super.setOffset(ms);
  }
}
