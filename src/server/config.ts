/** Server options: from the CLI, the environment, or `startServer(options)`. */
export interface ServerConfig {
  port: number;
  host: string;
  /** SQLite data folder; null with `ephemeral`. */
  dataDir: string | null;
  ephemeral: boolean;
  /** postgres://… (or DATABASE_URL): use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** redis://… (or REDIS_URL): shared rate-limit counters. */
  redisUrl?: string;
  /** PostgreSQL schema for every table (or `?schema=` in the URL, or LOCALGRAPH_PG_SCHEMA). */
  pgSchema?: string;
  /** On shutdown, answer "not ready" this long before closing, so a balancer stops first (ms). */
  shutdownDelayMs?: number;
  /** On shutdown, the longest wait for in-flight requests before cutting connections (ms). */
  shutdownGraceMs?: number;
  /** Fixture file to load at start (when the store is empty, or always with `--fixture`). */
  fixture?: string;
  /** Load the demo fixture into an empty store. */
  demo: boolean;
  /** Guards /_localgraph; generated and printed when not given (LOCALGRAPH_ADMIN_TOKEN). */
  adminToken?: string;
  versions: string[];
  /**
   * When a version stops being usable (unix seconds or an ISO date), by version name. After it,
   * calls to that version are served by the oldest version still usable, as on the real API.
   * Default: none expire, so every configured version is served as itself.
   */
  versionExpiries?: Record<string, number | string>;
  /** Largest body accepted; beyond it the real API's "reduce the amount of data" error. */
  bodyLimit: number;
  /** Largest request line + headers (the SDK's deleteUsers puts 10,000 rows in the URL). */
  maxHeaderSize: number;
  /** Delay before matching results show (ms); 0 in tests. */
  matchDelayMs: number;
  /**
   * The oldest version the Ads API (custom audiences, ad accounts) still serves; older explicit
   * versions get 2635. Unversioned calls always do. Default: none, so v10.0 keeps its 294.
   */
  adsMinVersion?: string;
  /** Log requests to stdout. */
  logRequests: boolean;
  /** Journal size kept in memory. */
  journalSize: number;
  /** Public base URL for paging links, when behind a proxy; default: the request's own host. */
  publicUrl?: string;
  /** Rate limits on (default) or off. */
  rateLimits: boolean;
  /**
   * Forward-proxy mode: answer `CONNECT graph.facebook.com:443` with TLS from localgraph's own CA,
   * so clients whose host is hard-coded come in through HTTPS_PROXY (LOCALGRAPH_PROXY=1).
   */
  proxy: boolean;
  /** Where the proxy CA is kept; default `<data>/proxy-ca`, in memory with `ephemeral`. */
  proxyCaDir?: string;
}

export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const env = process.env;
  return {
    port: 8080,
    host: '127.0.0.1',
    dataDir: 'data',
    ephemeral: false,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    pgSchema: env.LOCALGRAPH_PG_SCHEMA || undefined,
    shutdownDelayMs: Number(env.LOCALGRAPH_SHUTDOWN_DELAY_MS) || 0,
    shutdownGraceMs: Number(env.LOCALGRAPH_SHUTDOWN_GRACE_MS) || 30_000,
    demo: true,
    adminToken: env.LOCALGRAPH_ADMIN_TOKEN || undefined,
    versions: Array.from({ length: 16 }, (_, i) => `v${10 + i}.0`),
    bodyLimit: 64 * 1024 * 1024,
    maxHeaderSize: 16 * 1024 * 1024,
    matchDelayMs: 1000,
    logRequests: false,
    journalSize: 1000,
    rateLimits: true,
    proxy: env.LOCALGRAPH_PROXY === '1' || env.LOCALGRAPH_PROXY === 'true',
    ...overrides,
  };
}
