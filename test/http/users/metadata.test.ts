import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/server.js';
import { U, q, startUsersServer } from './users-fixture.js';

let s: TestServer;
beforeAll(async () => {
  s = await startUsersServer();
});
afterAll(async () => {
  await s.close();
});

const metadata = async (version: string) => {
  const r = await s.call(`/${version}/me?${q({ metadata: '1', access_token: U.doraToken })}`);
  expect(r.status).toBe(200);
  return r.body.metadata as { fields: Array<{ name: string; description?: string; type?: string }>; type: string; connections: Record<string, string> } | undefined;
};

describe('metadata=1 lists the version’s fields and edges', () => {
  it('on v10.0: interested_in and cover, the v10.0 edges, no id_for_avatars', async () => {
    const m = await metadata('v10.0');
    const names = m?.fields.map((f) => f.name) ?? [];
    expect(m?.type).toBe('user');
    expect(names).toContain('interested_in');
    expect(names).toContain('cover');
    expect(names).not.toContain('id_for_avatars');
    expect(Object.keys(m?.connections ?? {})).toEqual(expect.arrayContaining(['adaccounts', 'live_encoders', 'personal_ad_accounts', 'albums']));
    expect(m?.connections).not.toHaveProperty('assigned_applications');
    expect(m?.connections.albums).toMatch(new RegExp(`/v10\\.0/${U.doraAsid}/albums$`));
  });

  it('on v20.0: no religion; on v21.0: religion is back', async () => {
    expect((await metadata('v20.0'))?.fields.map((f) => f.name)).not.toContain('religion');
    const v21 = await metadata('v21.0');
    expect(v21?.fields.map((f) => f.name)).toContain('religion');
    expect(v21?.connections).toHaveProperty('assigned_applications');
    expect(v21?.connections).not.toHaveProperty('adaccounts');
  });

  it("carries the page's description and type for each field", async () => {
    const m = await metadata('v21.0');
    expect(m?.fields.find((f) => f.name === 'timezone')).toEqual({ name: 'timezone', description: "The person's current timezone offset from UTC", type: 'float (min: -24) (max: 24)' });
  });

  it('returns no metadata from v25.0', async () => {
    expect(await metadata('v25.0')).toBeUndefined();
  });
});
