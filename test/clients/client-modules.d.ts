/**
 * The slices of the real clients' APIs these tests use. None of the four packages ships types, and
 * the tests must use them exactly as their users do, so the shapes are declared here by hand from
 * each package's source.
 */

declare module 'facebook-nodejs-business-sdk' {
  type Params = Record<string, unknown>;
  export class FacebookAdsApi {
    static init(accessToken: string, locale?: string, crashLog?: boolean): FacebookAdsApi;
    static readonly GRAPH: string;
    static readonly VERSION: string;
    call(method: string, path: string | string[], params?: Params): Promise<unknown>;
  }
  export class AbstractCrudObject {
    readonly id: string;
    exportAllData(): Record<string, unknown>;
  }
  export interface Cursor extends Array<AbstractCrudObject> {
    paging: { next?: string; previous?: string; cursors?: { before: string; after: string } } | undefined;
    hasNext(): boolean;
    next(): Promise<Cursor>;
  }
  export class User extends AbstractCrudObject {
    constructor(id: string);
    get(fields: string[], params?: Params): Promise<User>;
  }
  export class AdAccount extends AbstractCrudObject {
    constructor(id: string);
    createCustomAudience(fields: string[], params: Params): Promise<CustomAudience>;
    getCustomAudiences(fields: string[], params?: Params): Promise<Cursor>;
  }
  export class CustomAudience extends AbstractCrudObject {
    constructor(id: string);
    createUser(fields: string[], params: Params): Promise<CustomAudience>;
    deleteUsers(params: Params): Promise<Record<string, unknown>>;
  }
  export class APIResponse {
    readonly body: Record<string, unknown>;
    readonly status: number;
    readonly isSuccess: boolean;
  }
  export class FacebookAdsApiBatch {
    constructor(api: FacebookAdsApi);
    add(
      method: string,
      relativePath: string | string[],
      params?: Params,
      files?: Params,
      success?: (r: APIResponse) => void,
      failure?: (r: APIResponse) => void,
    ): unknown;
    execute(): Promise<FacebookAdsApiBatch | null>;
  }
  const sdk: {
    FacebookAdsApi: typeof FacebookAdsApi;
    User: typeof User;
    AdAccount: typeof AdAccount;
    CustomAudience: typeof CustomAudience;
    FacebookAdsApiBatch: typeof FacebookAdsApiBatch;
  };
  export default sdk;
}

declare module 'fbgraph' {
  type Callback = (err: Record<string, unknown> | null, res: any) => void; // any: the body as Graph sent it
  export function setGraphUrl(url: string): void;
  export function setVersion(version: string): void;
  export function setAccessToken(token: string): void;
  export function setAppSecret(secret: string): void;
  export function setOptions(options: Record<string, unknown>): void;
  export function get(url: string, params: Record<string, unknown> | Callback, cb?: Callback): void;
  export function post(url: string, data: Record<string, unknown> | Callback, cb?: Callback): void;
  export function del(url: string, data: Record<string, unknown> | Callback, cb?: Callback): void;
  export function batch(reqs: unknown[], cb: Callback): void;
}

declare module 'passport-facebook' {
  export interface Profile {
    id: string;
    displayName: string;
    emails?: Array<{ value: string }>;
    name?: { familyName?: string; givenName?: string; middleName?: string };
    provider: string;
    _json: Record<string, unknown>;
  }
  export class Strategy {
    constructor(options: Record<string, unknown>, verify: (...args: unknown[]) => void);
    userProfile(accessToken: string, done: (err: (Error & Record<string, unknown>) | null, profile?: Profile) => void): void;
  }
}
