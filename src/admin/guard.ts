import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';

/** The admin token from `Authorization: Bearer …`, `x-localgraph-admin-token` or `?admin_token=`. */
export function adminTokenOf(req: FastifyRequest): string | undefined {
  const h = req.headers;
  const auth = h.authorization;
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const x = h['x-localgraph-admin-token'];
  if (typeof x === 'string') return x;
  const q = (req.query as Record<string, unknown> | undefined)?.admin_token;
  return typeof q === 'string' ? q : undefined;
}

export function checkAdmin(req: FastifyRequest, reply: FastifyReply, expected: string): boolean {
  const given = adminTokenOf(req);
  const ok = given !== undefined && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  if (!ok) {
    reply
      .code(401)
      .header('content-type', 'application/json; charset=UTF-8')
      .header('www-authenticate', 'Bearer realm="localgraph control surface"')
      .send(
        JSON.stringify({
          error: {
            message: 'The localgraph control surface needs the admin token (printed at start-up, or LOCALGRAPH_ADMIN_TOKEN) as "Authorization: Bearer <token>".',
            type: 'LocalgraphAdminException',
            code: 401,
          },
        }),
      );
  }
  return ok;
}

export function jsonBody(req: FastifyRequest): unknown {
  const b = req.body;
  if (b === undefined || b === null) return undefined;
  if (Buffer.isBuffer(b)) return b.length === 0 ? undefined : (JSON.parse(b.toString('utf8')) as unknown);
  return b;
}
