/**
 * What `localgraph serve` prints: the base URL and, for the demo world, the app id and secret, an
 * app token, a user token with its permissions, and a curl line that works when pasted.
 */
import type { RunningServer } from '../server/start.js';

export async function banner(server: RunningServer): Promise<string> {
  const w = server.store.world;
  const lines = [`localgraph listening on ${server.url}`, `LOCALGRAPH_URL=${server.url}`, `admin token: ${server.adminToken}  (control surface: ${server.url}/_localgraph/)`];
  if (server.proxy) {
    lines.push(
      `forward proxy: HTTPS_PROXY=${server.proxy.url}  (serves graph.facebook.com and the other Graph hosts itself; refuses the rest)`,
      `  trust its CA: curl -o localgraph-ca.pem ${server.url}/_localgraph/ca.pem, then NODE_EXTRA_CA_CERTS / REQUESTS_CA_BUNDLE / curl --cacert`,
    );
  }
  const apps = await w.listApps();
  const app = apps[0];
  if (app) {
    lines.push(`app: ${app.name}  id ${app.id}  secret ${app.secret}`, `app token: ${app.id}|${app.secret}`);
    const token = (await w.listTokens()).find((t) => t.kind === 'user' && t.app_id === app.id && t.invalid_reason === null);
    if (token?.person_id) {
      const install = await w.getAppUser(app.id, token.person_id);
      const person = await w.getPerson(token.person_id);
      const granted = install ? (JSON.parse(install.granted) as string[]) : [];
      lines.push(`user token (${person?.name ?? token.person_id}): ${token.token}`, `  permissions: public_profile, ${granted.join(', ')}`);
      lines.push(`try: curl '${server.url}/v21.0/me?fields=id,name,email&access_token=${token.token}'`);
    }
  }
  return lines.join('\n');
}
