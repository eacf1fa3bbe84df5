import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, type TestServer } from '../../helpers/server.js';
import { U, q, startUsersServer } from './users-fixture.js';

let s: TestServer;
beforeAll(async () => {
  s = await startUsersServer();
});
afterAll(async () => {
  await s.close();
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('the /picture edge', () => {
  it('answers a 302 redirect to an image that is really there', async () => {
    const r = await s.call(`/v21.0/me/picture?access_token=${U.doraToken}`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    const location = r.headers.get('location') as string;
    expect(location).toMatch(/\/_localgraph\/profilepic\?asid=150000000000001&height=50&width=50&/);
    const img = await fetch(location);
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await img.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    // IHDR: width and height of the image match the size asked for.
    expect(bytes.readUInt32BE(16)).toBe(50);
    expect(bytes.readUInt32BE(20)).toBe(50);
  });

  it.each(['0', 'false'])('answers the JSON form with redirect=%s', async (redirect) => {
    const r = await s.call(`/v21.0/me/picture?${q({ redirect, access_token: U.doraToken })}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: { height: 50, is_silhouette: false, url: expect.stringContaining('/_localgraph/profilepic?'), width: 50 } });
  });

  it.each([
    [{ type: 'large' }, 200, 200],
    [{ type: 'normal' }, 100, 100],
    [{ type: 'small' }, 50, 50],
    [{ width: '100', height: '120' }, 100, 120],
    [{ width: '300' }, 300, 300],
  ])('sizes the picture by %j', async (params, width, height) => {
    const r = await s.call(`/v21.0/me/picture?${q({ ...params, redirect: '0', access_token: U.doraToken })}`);
    expect(r.body.data).toMatchObject({ width, height });
  });

  it('refuses an unknown type with (#100)', async () => {
    const r = await s.call(`/v21.0/me/picture?${q({ type: 'huge', redirect: '0', access_token: U.doraToken })}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, message: '(#100) type must be one of the following values: small, normal, album, large, square' });
  });

  it('answers for an app-scoped id without any token', async () => {
    const r = await s.call(`/v21.0/${U.doraAsid}/picture`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    const node = await s.call(`/v21.0/${U.doraAsid}`);
    expect(node.body.error.code).toBe(104);
  });
});

describe('the picture field', () => {
  it('takes .type(), .width() and .height() and a sub-selection of data', async () => {
    const r = await s.call(`/v21.0/me?${q({ fields: 'picture.type(large){url,width}', access_token: U.doraToken })}`);
    expect(r.body.picture).toEqual({ data: { url: expect.any(String), width: 200 } });
  });

  it('can be aliased to ask for two sizes at once', async () => {
    const r = await s.call(
      `/v21.0/me?${q({ fields: 'id,picture.width(100).height(100).as(picture_small),picture.width(720).height(720).as(picture_large)', access_token: U.doraToken })}`,
    );
    expect(r.body.picture_small.data).toMatchObject({ width: 100, height: 100 });
    expect(r.body.picture_large.data).toMatchObject({ width: 720, height: 720 });
  });

  it('answers (#100) for an unknown member of ProfilePictureSource', async () => {
    const r = await s.call(`/v21.0/me?${q({ fields: 'picture{colour}', access_token: U.doraToken })}`);
    expect(r.body.error).toMatchObject({ code: 100, message: '(#100) Tried accessing nonexisting field (colour) on node type (ProfilePictureSource)' });
  });

  it('is public: another person of the app sees it', async () => {
    const r = await s.call(`/v21.0/${U.doraAsid}?${q({ fields: 'picture', access_token: DEMO.aliceToken })}`);
    expect(r.body.picture.data.is_silhouette).toBe(false);
  });
});
