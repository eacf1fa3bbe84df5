/**
 * The flows of `fbgraph` 1.4, as its users write them: callbacks, `setGraphUrl` for the base-URL
 * way in (its documented setter), object payloads sent as qs bracket notation with no Content-Type,
 * deletes as `POST ?method=delete`, and `paging.next` fetched as given.
 */
import * as graph from 'fbgraph';
import { emailHashes, multiKeyRows, newSessionId, type FlowInput, type FlowName, type FlowReport } from './data.js';

type Body = Record<string, any>; // any: fbgraph hands back the body as Graph sent it

/** fbgraph reports `json.error` as `err` and ignores the HTTP status; both halves are kept. */
function call(fn: (cb: (err: Record<string, unknown> | null, res: Body) => void) => void): Promise<{ err: Record<string, unknown> | null; res: Body }> {
  return new Promise((resolve) => fn((err, res) => resolve({ err, res })));
}

export async function runFbgraphFlow(flow: FlowName, input: FlowInput): Promise<FlowReport> {
  if (input.graphBase) graph.setGraphUrl(input.graphBase);
  graph.setVersion('24.0');
  graph.setAccessToken(input.token);
  if (input.appSecret) graph.setAppSecret(input.appSecret);
  const account = `act_${input.accountId}`;
  switch (flow) {
    case 'me':
      return call((cb) => graph.get('me', { fields: 'id,name,email' }, cb));
    case 'createAudience':
      return call((cb) =>
        graph.post(`${account}/customaudiences`, { name: 'fbgraph audience', subtype: 'CUSTOM', description: 'created by fbgraph', customer_file_source: 'USER_PROVIDED_ONLY' }, cb),
      );
    case 'addUsers':
      // An object payload: fbgraph's qs turns it into payload[schema][0]=EMAIL&payload[data][0][0]=…
      return call((cb) =>
        graph.post(
          `${input.audienceId as string}/users`,
          {
            payload: { schema: ['EMAIL', 'FN'], data: multiKeyRows() },
            session: { session_id: input.sessionId ?? newSessionId(), batch_seq: 1, last_batch_flag: true, estimated_num_total: 3 },
          },
          cb,
        ),
      );
    case 'removeUsers':
      return call((cb) =>
        graph.del(`${input.audienceId as string}/users`, { payload: JSON.stringify({ schema: 'EMAIL_SHA256', data: emailHashes(input.removeCount ?? 10_000) }) }, cb),
      );
    case 'listAudiences': {
      const pages: string[][] = [];
      const links: string[] = [];
      let page = await call((cb) => graph.get(`${account}/customaudiences`, { fields: 'id,name', limit: input.pageSize ?? 2 }, cb));
      for (;;) {
        if (page.err) return { err: page.err, pages, links };
        pages.push((page.res.data as Array<{ id: string }>).map((a) => a.id));
        const next = page.res.paging?.next as string | undefined;
        if (!next) break;
        links.push(next);
        page = await call((cb) => graph.get(next, cb));
      }
      return { pages, links };
    }
    case 'batch':
      return call((cb) =>
        graph.batch(
          [
            { method: 'GET', relative_url: 'me?fields=id,name' },
            { method: 'POST', relative_url: `${input.audienceId as string}/users`, body: `payload=${encodeURIComponent(JSON.stringify({ schema: ['EMAIL', 'FN'], data: multiKeyRows() }))}` },
            { method: 'GET', relative_url: 'no_such_object_999?fields=id' },
          ],
          cb,
        ),
      );
    case 'error':
      return call((cb) => graph.get('999999999', { fields: 'id' }, cb));
  }
}
