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

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const gameItems = (params: Record<string, string>, version = 'v10.0') =>
  s.call(`/${version}/me/game_items`, { method: 'POST', headers: form, body: q({ access_token: U.doraToken, ...params }) });

const ITEM = {
  id: expect.stringMatching(/^\d{16}$/),
  count: expect.any(Number),
  created: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/),
  item_def: expect.any(String),
  status: expect.any(String),
  updated: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/),
};

describe('POST /{user_id}/game_items (v10.0)', () => {
  it('drops, marks and consumes an item, answering the seed struct each time', async () => {
    const drop = await gameItems({ action: 'DROP', drop_table_id: '7001', quantity: '3', ext_id: 'sword-1' });
    expect(drop.status, JSON.stringify(drop.body)).toBe(200);
    expect(drop.body).toEqual({ ...ITEM, count: 3, item_def: '7001', status: 'DEFAULT', ext_id: 'sword-1' });
    const id = drop.body.id as string;

    const mark = await gameItems({ action: 'MARK', item_id: id });
    expect(mark.body).toEqual({ ...ITEM, id, count: 3, item_def: '7001', status: 'MARKED', ext_id: 'sword-1' });

    const consume = await gameItems({ action: 'CONSUME', item_id: id, quantity: '2' });
    expect(consume.body).toMatchObject({ id, count: 1, status: 'MARKED' });
    const last = await gameItems({ action: 'CONSUME', item_id: id });
    expect(last.body).toMatchObject({ id, count: 0, status: 'CONSUMED' });
  });

  it('takes app_id of another app of the same business, and keeps items per app', async () => {
    const drop = await gameItems({ action: 'DROP', drop_table_id: '7002', app_id: DEMO.secondAppId });
    expect(drop.body).toMatchObject({ count: 1, item_def: '7002' });
    const wrongApp = await gameItems({ action: 'MARK', item_id: drop.body.id });
    expect(wrongApp.body.error.code).toBe(100);
  });

  it.each([
    [{}, '(#100) The parameter action is required'],
    [{ action: 'THROW' }, '(#100) action must be one of the following values: MARK, CONSUME, DROP'],
    [{ action: 'MARK' }, '(#100) The parameter item_id is required'],
    [{ action: 'DROP' }, '(#100) The parameter drop_table_id is required'],
    [{ action: 'DROP', drop_table_id: '1', quantity: 'many' }, '(#100) Param quantity must be an integer'],
    [{ action: 'DROP', drop_table_id: '1', quantity: '0' }, '(#100) Param quantity must be a positive integer'],
  ])('answers (#100) for %j', async (params, message) => {
    const r = await gameItems(params);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, message });
  });

  it('answers (#100) for an app outside the business', async () => {
    const r = await gameItems({ action: 'DROP', drop_table_id: '1', app_id: U.otherBusinessAppId });
    expect(r.body.error.code).toBe(100);
  });

  it('does not exist after v10.0 (unknown path)', async () => {
    const r = await gameItems({ action: 'DROP', drop_table_id: '1' }, 'v11.0');
    expect(r.body.error).toMatchObject({ code: 2500, message: 'Unknown path components: /me/game_items' });
  });
});

describe('DELETE /{user_id}/businesses (v10.0)', () => {
  const leave = (business: string | undefined, version = 'v10.0') =>
    s.call(`/${version}/${U.doraAsid}/businesses?${q({ access_token: U.doraToken, ...(business ? { business } : {}) })}`, { method: 'DELETE' });

  it('answers 3914 when it would remove the last admin', async () => {
    const r = await leave(U.thirdBusinessId);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: 3914,
      message: "(#3914) It looks like you're trying to remove the last admin from this Business Manager. At least one admin is required in Business Manager.",
    });
  });

  it('removes the person from a business that keeps another admin', async () => {
    const r = await leave(DEMO.businessId);
    expect(r.body).toEqual({ success: true });
    const list = await s.call(`/v10.0/me/businesses?access_token=${U.doraToken}`);
    expect(list.body.data).toEqual([{ id: U.thirdBusinessId, name: 'Third Business' }]);
  });

  it('answers (#100) without business or for a business the person is not in', async () => {
    expect((await leave(undefined)).body.error).toMatchObject({ code: 100, message: '(#100) The parameter business is required' });
    expect((await leave(DEMO.businessId)).body.error.code).toBe(100);
  });

  it('is not supported after v10.0', async () => {
    const r = await leave(U.thirdBusinessId, 'v21.0');
    expect(r.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });
});
