/**
 * How the uploader sends one batch. Injectable, so the uploader runs against
 * graph.facebook.com, localgraph, a file (dry run) or a test double alike.
 * Transports do not retry: the uploader owns retries, so that a retry always
 * reuses the batch's `batch_seq`.
 */
import type { GraphClient } from '../graph/graph-client.js';
import type { AudienceUsersBody, AudienceUsersResponse } from '../graph/wire-types.js';

/** add = POST /{id}/users, remove = DELETE /{id}/users, replace = POST /{id}/usersreplace. */
export type UploadOperation = 'add' | 'remove' | 'replace';

export interface AudienceBatchRequest {
  readonly operation: UploadOperation;
  readonly audienceId: string;
  readonly body: AudienceUsersBody;
}

export interface AudienceTransport {
  send(request: AudienceBatchRequest): Promise<AudienceUsersResponse>;
}

export function graphTransport(client: GraphClient): AudienceTransport {
  return {
    send({ operation, audienceId, body }) {
      // debug=warning: Graph then reports in `__debug__` what it did not do (localgraph: a batch
      // discarded because its session ended, or a repeated batch_seq), which the uploader checks.
      const options = { retry: false, query: { debug: 'warning' } } as const;
      switch (operation) {
        case 'add': return client.addUsers(audienceId, body.payload, body.session, options);
        case 'remove': return client.removeUsers(audienceId, body.payload, body.session, options);
        case 'replace':
          if (body.session === undefined) throw new Error('usersreplace needs a session');
          return client.replaceUsers(audienceId, body.payload, body.session, options);
      }
    },
  };
}

/**
 * Writes each request body as one JSON line instead of sending it, and answers
 * as the API would for rows that are all valid.
 */
export function dryRunTransport(writeLine: (line: string) => Promise<void>): AudienceTransport {
  return {
    async send({ audienceId, body }) {
      await writeLine(JSON.stringify(body));
      return {
        audience_id: audienceId,
        ...(body.session !== undefined && { session_id: String(body.session.session_id) }),
        num_received: body.payload.data.length,
        num_invalid_entries: 0,
        invalid_entry_samples: {},
      };
    },
  };
}
