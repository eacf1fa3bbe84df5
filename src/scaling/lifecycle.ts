/**
 * What a load balancer needs from each process: a readiness answer that turns 503 as soon as the
 * process starts shutting down (or loses a backing service), and a shutdown that finishes every
 * request already accepted before the store closes.
 *
 * `/_localgraph/health` is liveness: 200 while the process runs. `/_localgraph/ready` is
 * readiness: 200 only when the store (and Redis, when configured) answers and the process is not
 * draining; a balancer polling it stops routing here during the drain delay.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../server/services.js';
import { SharedClock } from './shared-clock.js';

export type ReadinessCheck = () => Promise<void>;

export class Lifecycle {
  draining = false;
  readonly checks = new Map<string, ReadinessCheck>();
  /** Requests being handled right now (for the shutdown log and tests). */
  inFlight = 0;

  /** A backing service (Redis, …) whose outage makes this process unready. */
  addCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Names of failing checks; empty when ready. */
  async problems(): Promise<string[]> {
    const out: string[] = [];
    if (this.draining) out.push('draining');
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000);
        } catch {
          out.push(name);
        }
      }),
    );
    return out;
  }
}

const KEY = 'lifecycle';

/** The process's lifecycle, created on first use. */
export function lifecycleOf(services: Services): Lifecycle {
  let l = services.extensions.get(KEY) as Lifecycle | undefined;
  if (!l) {
    l = new Lifecycle();
    services.extensions.set(KEY, l);
  }
  return l;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timed out')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * Hooks on the HTTP app: readiness answered here (store, Redis, draining — so the core route's
 * simpler probe never runs), the shared clock read at the start of every request.
 */
export function installLifecycle(app: FastifyInstance, services: Services): Lifecycle {
  const lifecycle = lifecycleOf(services);
  lifecycle.addCheck('store', async () => {
    await services.store.world.getMeta('ready-probe');
  });
  const clock = services.clock;
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' && (req.raw.url === '/_localgraph/ready' || req.raw.url?.startsWith('/_localgraph/ready?'))) {
      const problems = await lifecycle.problems();
      reply
        .code(problems.length === 0 ? 200 : 503)
        .header('content-type', 'application/json; charset=UTF-8')
        .header('cache-control', 'no-store')
        .send(JSON.stringify(problems.length === 0 ? { ready: true } : { ready: false, problems }));
      return reply;
    }
    lifecycle.inFlight++;
    if (clock instanceof SharedClock) {
      try {
        await clock.refresh();
      } catch (err) {
        // The store is unreachable: the request fails on its own queries with the Graph envelope.
        services.log.warn({ err }, 'could not read the shared clock');
      }
    }
    return undefined;
  });
  app.addHook('onResponse', async (req) => {
    if (!isReadyProbe(req.raw.url)) lifecycle.inFlight--;
  });
  return lifecycle;
}

function isReadyProbe(url: string | undefined): boolean {
  return url === '/_localgraph/ready' || (url?.startsWith('/_localgraph/ready?') ?? false);
}

export interface ShutdownOptions {
  /** Keep serving (while answering "not ready") this long, so the balancer stops sending first. */
  drainDelayMs: number;
  /** Longest wait for in-flight requests; past it, the remaining connections are cut. */
  graceMs: number;
}

/**
 * Graceful stop: turn unready, wait the drain delay, stop accepting connections, let in-flight
 * requests finish (requests that still arrive on open keep-alive connections are served, with
 * `Connection: close`), and only then return so the caller stops workers and closes the store.
 */
export async function shutdownHttp(app: FastifyInstance, services: Services, opts: ShutdownOptions): Promise<void> {
  const lifecycle = lifecycleOf(services);
  lifecycle.draining = true;
  if (opts.drainDelayMs > 0) await new Promise((r) => setTimeout(r, opts.drainDelayMs));
  const cut = setTimeout(() => {
    services.log.warn({ inFlight: lifecycle.inFlight }, 'shutdown grace period over: closing the remaining connections');
    app.server.closeAllConnections();
  }, opts.graceMs);
  cut.unref();
  // A request in flight when closing began was answered keep-alive; its connection turns idle
  // afterwards and would hold close() until the keep-alive timeout (5 s). Reap idle ones as they appear.
  const reap = setInterval(() => app.server.closeIdleConnections(), 50);
  reap.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
    clearInterval(reap);
  }
}
