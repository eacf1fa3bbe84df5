/**
 * The server's clock. Tests move it forward through the control surface instead of sleeping:
 * token expiry, session windows and rate-limit windows all read `now()` from here. The offset is
 * kept in the store so that every process sharing a database shares one clock.
 */
export interface Clock {
  /** Milliseconds since the epoch, offset included. */
  now(): number;
  /** Unix seconds. */
  nowSeconds(): number;
  offsetMs(): number;
  setOffset(ms: number): void;
}

export class OffsetClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }
  offsetMs(): number {
    return this.offset;
  }
  setOffset(ms: number): void {
    this.offset = ms;
  }
}
