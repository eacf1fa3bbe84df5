/** JSON answers of the control surface, shared by the apps/auth, rate-limit and fault routes. */
import type { FastifyReply } from 'fastify';
import { GraphError } from '../graph/errors/graph-error.js';

export function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  reply.code(status).header('content-type', 'application/json; charset=UTF-8').header('cache-control', 'no-store').send(JSON.stringify(body));
}

/** A mistake in a control-surface request: 400 with a message saying what to fix. */
export class AdminInputError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function sendAdminError(reply: FastifyReply, e: unknown): void {
  if (e instanceof GraphError) sendJson(reply, 400, e.toEnvelope('admin'));
  else if (e instanceof AdminInputError) sendJson(reply, e.status, { error: { message: e.message, type: 'LocalgraphAdminException', code: e.status === 404 ? 404 : 100 } });
  else if (e instanceof SyntaxError) sendJson(reply, 400, { error: { message: `The body is not valid JSON: ${e.message}`, type: 'LocalgraphAdminException', code: 100 } });
  else if (e instanceof Error) sendJson(reply, 400, { error: { message: e.message, type: 'LocalgraphAdminException', code: 100 } });
  else throw e;
}

export function bodyObject(raw: unknown): Record<string, unknown> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AdminInputError('The body must be a JSON object');
  return raw as Record<string, unknown>;
}
