/**
 * How the uploader sends one batch. Injectable, so the uploader runs against
 * graph.facebook.com, localgraph, a file (dry run) or a test double alike.
 * Transports do not retry: the uploader owns retries, so that a retry always
 * reuses the batch's `batch_seq`.
 */
import type { GraphClient } from '../graph/graph-client.js';
import type { AudienceUsersBody, AudienceUsersResponse, EncodedAudienceUsersBody } from '../graph/wire-types.js';

/** add = POST /{id}/users, remove = DELETE /{id}/users, replace = POST /{id}/usersreplace. */
export type UploadOperation = 'add' | 'remove' | 'replace';

export interface AudienceBatchRequest {
  readonly operation: UploadOperation;
  readonly audienceId: string;
  readonly body: AudienceUsersBody;
}

/** A batch whose rows the hashing workers already wrote as JSON (`payload.data` is a JsonRows). */
export interface EncodedAudienceBatchRequest {
  readonly operation: UploadOperation;
  readonly audienceId: string;
  readonly body: EncodedAudienceUsersBody;
}

export interface AudienceTransport {
  send(request: AudienceBatchRequest): Promise<AudienceUsersResponse>;
  /**
   * Optional: sends a batch whose rows are JSON text already, as they are. Without it the uploader
   * decodes such batches and calls `send`. The body's bytes are lent: they may be read only until
   * the returned promise settles, after which the hashing workers may write other rows into them
   * (encoded-rows.ts).
   */
  sendEncoded?(request: EncodedAudienceBatchRequest): Promise<AudienceUsersResponse>;
}

export function graphTransport(client: GraphClient): AudienceTransport {
  const send = ({ operation, audienceId, body }: AudienceBatchRequest | EncodedAudienceBatchRequest): Promise<AudienceUsersResponse> => {
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
  };
  return { send, sendEncoded: send };
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
