/**
 * What the forward proxy did, newest last: tunnels opened, absolute-form requests served, and
 * refusals with their reason. Shown at `/_localgraph/proxy` so a person whose client "does not
 * connect" can see whether it came through, to which host, and why it was turned away.
 */

export type ProxyEventKind = 'connect' | 'absolute-form' | 'refused' | 'tls-failed';

export interface ProxyEvent {
  seq: number;
  at: string;
  kind: ProxyEventKind;
  /** The host the client asked for (the CONNECT target or the absolute URL's host). */
  host: string;
  port: number;
  /** True when TLS was terminated in-process (CONNECT to port 443). */
  tls?: boolean;
  reason?: string;
}

export class ProxyLog {
  private events: ProxyEvent[] = [];
  private seq = 0;
  private readonly counts: Record<ProxyEventKind, number> = { connect: 0, 'absolute-form': 0, refused: 0, 'tls-failed': 0 };

  constructor(
    private readonly size: number,
    private readonly now: () => number,
  ) {}

  add(e: Omit<ProxyEvent, 'seq' | 'at'>): void {
    this.counts[e.kind] += 1;
    this.events.push({ seq: ++this.seq, at: new Date(this.now()).toISOString(), ...e });
    if (this.events.length > this.size) this.events.splice(0, this.events.length - this.size);
  }

  /** The last `n` events, newest first (as the journal lists calls). */
  last(n: number): ProxyEvent[] {
    return this.events.slice(-n).reverse();
  }

  totals(): Record<ProxyEventKind, number> {
    return { ...this.counts };
  }
}
