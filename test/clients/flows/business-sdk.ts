/**
 * The flows of Meta's facebook-nodejs-business-sdk, written as its users write them. The only
 * localgraph-specific line is the `GRAPH` getter override, and only on the base-URL way in; through
 * the proxy the SDK runs untouched with HTTPS_PROXY and NODE_EXTRA_CA_CERTS.
 */
import bizSdk, { type AbstractCrudObject, type APIResponse } from 'facebook-nodejs-business-sdk';
import { emailHashes, multiKeyRows, newSessionId, type FlowInput, type FlowName, type FlowReport } from './data.js';

const { FacebookAdsApi, User, AdAccount, CustomAudience, FacebookAdsApiBatch } = bizSdk;

function pointAt(graphBase: string | undefined): void {
  if (!graphBase) return;
  // The SDK reads FacebookAdsApi.GRAPH by name; its compiled static getter is configurable.
  Object.defineProperty(FacebookAdsApi, 'GRAPH', { get: () => graphBase, configurable: true });
  Object.defineProperty(FacebookAdsApi, 'GRAPH_VIDEO', { get: () => graphBase, configurable: true });
}

interface SdkError {
  name: string;
  message: string;
  status: number;
  response: { code?: number; error_subcode?: number; type?: string; message?: string; fbtrace_id?: string } | null;
  method: string;
  url: string;
}

export async function runBusinessSdkFlow(flow: FlowName, input: FlowInput): Promise<FlowReport> {
  pointAt(input.graphBase);
  // crash_log=false: otherwise the SDK hooks process-wide uncaught exceptions and calls home.
  const api = FacebookAdsApi.init(input.token, 'en_US', false);
  const account = `act_${input.accountId}`;
  switch (flow) {
    case 'me': {
      const user = await new User('me').get(['id', 'name', 'email']);
      return { data: user.exportAllData() };
    }
    case 'createAudience': {
      const ca = await new AdAccount(account).createCustomAudience([], {
        name: 'SDK audience',
        subtype: 'CUSTOM',
        description: 'created by facebook-nodejs-business-sdk',
        customer_file_source: 'USER_PROVIDED_ONLY',
      });
      return { id: ca.id, data: ca.exportAllData() };
    }
    case 'addUsers': {
      const res = await new CustomAudience(input.audienceId as string).createUser([], {
        payload: { schema: ['EMAIL', 'FN'], data: multiKeyRows() },
        session: { session_id: input.sessionId ?? newSessionId(), batch_seq: 1, last_batch_flag: true, estimated_num_total: 3 },
      });
      return { data: res.exportAllData() };
    }
    case 'removeUsers': {
      const res = await new CustomAudience(input.audienceId as string).deleteUsers({
        payload: { schema: 'EMAIL_SHA256', data: emailHashes(input.removeCount ?? 10_000) },
      });
      return { data: res };
    }
    case 'listAudiences': {
      const pages: string[][] = [];
      const links: string[] = [];
      let cursor = await new AdAccount(account).getCustomAudiences(['id', 'name'], { limit: input.pageSize ?? 2 });
      for (;;) {
        pages.push(cursor.map((a: AbstractCrudObject) => a.id));
        if (!cursor.hasNext()) break;
        links.push(cursor.paging?.next as string);
        cursor = await cursor.next();
      }
      return { pages, links };
    }
    case 'batch': {
      const items: Array<{ status: number; isSuccess: boolean; body: Record<string, unknown> }> = [];
      const batch = new FacebookAdsApiBatch(api);
      const keep = (r: APIResponse): void => {
        items.push({ status: r.status, isSuccess: r.isSuccess, body: r.body });
      };
      batch.add('GET', 'me/', { fields: 'id,name' }, undefined, keep, keep);
      batch.add('POST', [input.audienceId as string, 'users'], { payload: { schema: ['EMAIL', 'FN'], data: multiKeyRows() } }, undefined, keep, keep);
      batch.add('GET', 'no_such_object_999', { fields: 'id' }, undefined, keep, keep);
      const retry = await batch.execute();
      return { items, retry: retry !== null };
    }
    case 'error': {
      try {
        await new User('999999999').get(['id']);
        return { thrown: false };
      } catch (e) {
        const err = e as SdkError;
        return {
          thrown: true,
          name: err.name,
          message: err.message,
          status: err.status,
          code: err.response?.code,
          subcode: err.response?.error_subcode,
          type: err.response?.type,
          fbtrace_id: err.response?.fbtrace_id,
          method: err.method,
          urlHost: new URL(err.url).host,
        };
      }
    }
  }
}
