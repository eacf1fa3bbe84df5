/**
 * The flows of the `fb` package (node-facebook 2.0), whose host is hard-coded
 * (`https://graph.facebook.com/…`): it comes in only through the proxy, unchanged, with
 * HTTPS_PROXY and NODE_EXTRA_CA_CERTS set at launch. Objects are JSON-stringified into forms,
 * arrays (`fields: [...]`) go as JSON, DELETE parameters ride in the query string.
 */
import { createRequire } from 'node:module';
import { emailHashes, multiKeyRows, newSessionId, type FlowInput, type FlowName, type FlowReport } from './data.js';

type Body = Record<string, any>; // any: fb hands back the body as Graph sent it

interface FbApi {
  api(path: string, ...args: unknown[]): Promise<Body>;
}

interface FbException extends Error {
  response: { error?: { message?: string; type?: string; code?: number; error_subcode?: number; fbtrace_id?: string } };
}

// fb is CommonJS; its users `require` it.
const require = createRequire(import.meta.url);

export async function runFbFlow(flow: FlowName, input: FlowInput): Promise<FlowReport> {
  const { Facebook } = require('fb') as { Facebook: new (o: Record<string, unknown>) => FbApi };
  const fb = new Facebook({ version: 'v24.0', accessToken: input.token, appSecret: input.appSecret });
  const account = `act_${input.accountId}`;
  switch (flow) {
    case 'me':
      return { res: await fb.api('me', { fields: ['id', 'name', 'email'] }) };
    case 'createAudience':
      return {
        res: await fb.api(`${account}/customaudiences`, 'post', { name: 'fb audience', subtype: 'CUSTOM', description: 'created by fb', customer_file_source: 'USER_PROVIDED_ONLY' }),
      };
    case 'addUsers':
      return {
        res: await fb.api(`${input.audienceId as string}/users`, 'post', {
          payload: { schema: ['EMAIL', 'FN'], data: multiKeyRows() },
          session: { session_id: input.sessionId ?? newSessionId(), batch_seq: 1, last_batch_flag: true, estimated_num_total: 3 },
        }),
      };
    case 'removeUsers':
      return { res: await fb.api(`${input.audienceId as string}/users`, 'delete', { payload: { schema: 'EMAIL_SHA256', data: emailHashes(input.removeCount ?? 10_000) } }) };
    case 'listAudiences': {
      // fb takes paths, not URLs: its users follow the `after` cursor and keep paging.next as a flag.
      const pages: string[][] = [];
      const links: string[] = [];
      const params: Record<string, unknown> = { fields: 'id,name', limit: input.pageSize ?? 2 };
      for (;;) {
        const res = await fb.api(`${account}/customaudiences`, params);
        pages.push((res.data as Array<{ id: string }>).map((a) => a.id));
        if (!res.paging?.next) break;
        links.push(res.paging.next as string);
        params.after = res.paging.cursors.after;
      }
      return { pages, links };
    }
    case 'batch':
      return {
        res: await fb.api('', 'post', {
          batch: [
            { method: 'get', relative_url: 'me?fields=id,name' },
            { method: 'post', relative_url: `${input.audienceId as string}/users`, body: `payload=${encodeURIComponent(JSON.stringify({ schema: ['EMAIL', 'FN'], data: multiKeyRows() }))}` },
            { method: 'get', relative_url: 'no_such_object_999?fields=id' },
          ],
        }),
      };
    case 'error':
      try {
        await fb.api('999999999', { fields: 'id' });
        return { thrown: false };
      } catch (e) {
        const err = e as FbException;
        return { thrown: true, name: err.name, error: err.response?.error };
      }
  }
}
