/**
 * Which hosts the forward proxy serves itself. Only the Graph API's own names: a client that asks
 * for anything else is refused, because localgraph never opens an outbound connection.
 */

/** The hosts Meta's SDKs and tools hard-code; the leaf certificate covers each of them. */
export const GRAPH_HOSTS: readonly string[] = [
  'graph.facebook.com',
  'graph.beta.facebook.com',
  'graph-video.facebook.com',
  'graph-video.beta.facebook.com',
  'www.facebook.com',
  'facebook.com',
];

export function isGraphHost(host: string): boolean {
  return GRAPH_HOSTS.includes(host.toLowerCase().replace(/\.$/, ''));
}

export interface HostPort {
  host: string;
  port: number;
}

/**
 * Splits a CONNECT target (`graph.facebook.com:443`, `[::1]:443`) or a Host header into host and
 * port; `defaultPort` applies when none is written. Undefined when the text is not a host.
 */
export function parseHostPort(text: string, defaultPort: number): HostPort | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/\s[\]]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, '').toLowerCase(), port };
}
