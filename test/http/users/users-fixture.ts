/**
 * A world for the User node's tests, merged over the demo fixture: a person with every
 * permission and content for every edge (dora), people in each special state (invisible,
 * checkpointed, consent-blocked), test users (plain, OG, not installed, another app's), and a
 * second business so `token_for_business` and `ids_for_apps` have something to tell apart.
 */
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

export const ALL_PERMISSIONS = [
  'email',
  'user_birthday',
  'user_gender',
  'user_location',
  'user_hometown',
  'user_link',
  'user_age_range',
  'user_likes',
  'user_friends',
  'user_photos',
  'user_posts',
  'user_videos',
  'publish_video',
  'ads_read',
  'ads_management',
  'business_management',
  'pages_show_list',
  'pages_messaging',
];

export const U = {
  otherBusinessId: '200300400500600',
  thirdBusinessId: '300400500600700',
  otherBusinessAppId: '7777777777777777',
  otherBusinessAppSecret: 'other-business-app-secret-000000',
  doraPageId: '222333444555666',
  doraAsid: '150000000000001',
  doraSecondAsid: '150000000000002',
  doraOtherBusinessAsid: '150000000000003',
  doraToken: 'EAATestDoraUserTokenForDemoApp00000000000000000000000000000',
  doraSecondToken: 'EAATestDoraUserTokenForSecondApp0000000000000000000000000000',
  doraOtherBusinessToken: 'EAATestDoraUserTokenForOtherBusinessApp00000000000000000000',
  erinAsid: '150000000000011',
  erinToken: 'EAATestErinInvisibleUserToken0000000000000000000000000000000',
  frankAsid: '150000000000021',
  frankToken: 'EAATestFrankCheckpointedUserToken000000000000000000000000000',
  ginaAsid: '150000000000031',
  ginaToken: 'EAATestGinaConsentBlockedUserToken00000000000000000000000000',
  halAsid: '150000000000041',
  halToken: 'EAATestHalTestUserToken000000000000000000000000000000000000',
  ivyAsid: '150000000000051',
  jayAsid: '150000000000061',
  jayToken: 'EAATestJayNotInstalledTestUserToken000000000000000000000000',
  kimAsid: '150000000000071',
  kimSecondAsid: '150000000000072',
  leeAsid: '150000000000081',
  personalAdAccount: '2223334445',
  businessAdAccount: '3334445556',
  clientToken: `${DEMO.appId}|demo-client-token-0123456789`,
};

const install = (app: string, asid: string, granted: string[] = [], extra: Record<string, unknown> = {}) => ({ app, asid, granted, declined: [], ...extra });

export const USERS_FIXTURE = {
  businesses: [
    { id: U.otherBusinessId, name: 'Other Business' },
    { id: U.thirdBusinessId, name: 'Third Business' },
  ],
  apps: [{ id: U.otherBusinessAppId, secret: U.otherBusinessAppSecret, name: 'Other Business App', business: U.otherBusinessId }],
  people: [
    {
      key: 'dora',
      name: 'Dora Q Explorer',
      first_name: 'Dora',
      middle_name: 'Q',
      last_name: 'Explorer',
      email: 'dora@example.com',
      profile: {
        birthday: '07/04/1995',
        birthday_visibility: 'month_day',
        gender: 'nonbinary',
        pronoun: 'she',
        location: { id: '106078429431815', name: 'London, United Kingdom' },
        hometown: { id: '111175118906315', name: 'Berlin, Germany' },
        languages: [{ id: '106059522759137', name: 'English' }, { id: '105673612800327', name: 'German' }],
        favorite_athletes: [{ id: '108012212558271', name: 'Serena Williams' }],
        favorite_teams: [{ id: '104047479632785', name: 'Arsenal' }],
        sports: [{ id: '103992339636529', name: 'Tennis' }],
        inspirational_people: [{ id: '113529011990795', name: 'Ada Lovelace' }],
        quotes: 'Not all who wander are lost.',
        meeting_for: ['friendship', 'networking'],
        significant_other: { id: '150000000000099', name: 'Sam Partner' },
        shared_login_upgrade_required_by: '2030-01-01T00:00:00+0000',
        supports_donate_button_in_live_video: true,
        timezone: 2,
        locale: 'de_DE',
        verified: true,
        video_upload_limits: { length: 7200, size: 4294967296 },
        cover: { id: '4001000000000001', source: 'https://example.com/cover.jpg', offset_x: 0, offset_y: 50 },
      },
      apps: [
        install(DEMO.appId, U.doraAsid, ALL_PERMISSIONS),
        install(DEMO.secondAppId, U.doraSecondAsid, ['email']),
        install(U.otherBusinessAppId, U.doraOtherBusinessAsid, ['email']),
      ],
      tokens: [
        { app: DEMO.appId, token: U.doraToken },
        { app: DEMO.secondAppId, token: U.doraSecondToken },
        { app: U.otherBusinessAppId, token: U.doraOtherBusinessToken },
      ],
    },
    { key: 'erin', name: 'Erin Hidden', invisible: true, apps: [install(DEMO.appId, U.erinAsid)], tokens: [{ app: DEMO.appId, token: U.erinToken }] },
    { key: 'frank', name: 'Frank Checkpoint', checkpointed: true, apps: [install(DEMO.appId, U.frankAsid)], tokens: [{ app: DEMO.appId, token: U.frankToken }] },
    {
      key: 'gina',
      name: 'Gina Blocked',
      profile: { consent_app_blocking: true },
      apps: [install(DEMO.appId, U.ginaAsid)],
      tokens: [{ app: DEMO.appId, token: U.ginaToken }],
    },
    {
      key: 'hal',
      name: 'Hal Tester',
      is_test_user: true,
      test_user_app: DEMO.appId,
      password: 'hal-password',
      apps: [install(DEMO.appId, U.halAsid, ['email'])],
      tokens: [{ app: DEMO.appId, token: U.halToken }],
    },
    { key: 'ivy', name: 'Ivy Original', is_test_user: true, test_user_app: DEMO.appId, og_test_user: true, apps: [install(DEMO.appId, U.ivyAsid)] },
    {
      key: 'jay',
      name: 'Jay Uninstalled',
      is_test_user: true,
      test_user_app: DEMO.appId,
      apps: [install(DEMO.appId, U.jayAsid, [], { installed: false })],
      tokens: [{ app: DEMO.appId, token: U.jayToken }],
    },
    {
      key: 'kim',
      name: 'Kim Elsewhere',
      is_test_user: true,
      test_user_app: DEMO.secondAppId,
      apps: [install(DEMO.appId, U.kimAsid), install(DEMO.secondAppId, U.kimSecondAsid)],
    },
    { key: 'lee', name: 'Lee Employee', apps: [install(DEMO.appId, U.leeAsid)] },
  ],
  pages: [{ id: U.doraPageId, name: "Dora's Page", category: 'Travel Company', business: U.thirdBusinessId, roles: [{ person: 'dora', tasks: ['MANAGE', 'ADVERTISE'] }] }],
  ad_accounts: [
    { id: `act_${U.personalAdAccount}`, name: 'Dora Personal', users: [{ person: 'dora', role: 'ADMIN' }] },
    { id: `act_${U.businessAdAccount}`, name: 'Dora Business Account', business: DEMO.businessId, users: [{ person: 'dora', role: 'ADMIN' }] },
  ],
  user_content: {
    dora: {
      albums: [
        {
          id: '5001000000000001',
          name: 'Alps',
          created_time: '2024-02-01T10:00:00+0000',
          photos: [
            { id: '5002000000000001', name: 'Summit', created_time: '2024-02-01T11:00:00+0000', width: 1024, height: 768 },
            { id: '5002000000000002', name: 'Valley', created_time: '2024-02-01T12:00:00+0000' },
            { id: '5002000000000003', created_time: '2024-02-01T13:00:00+0000' },
          ],
        },
        { id: '5001000000000002', name: 'Cats', created_time: '2024-01-01T10:00:00+0000' },
        { id: '5001000000000003', name: 'Food', created_time: '2023-12-01T10:00:00+0000' },
      ],
      photos: [
        { id: '5002000000000010', name: 'Tagged at the party', tagged: true, created_time: '2024-03-01T20:00:00+0000' },
        { id: '5002000000000011', name: 'Loose upload', created_time: '2024-03-02T20:00:00+0000' },
      ],
      feed: [
        { id: `${U.doraAsid}_6001000000000001`, message: 'Off to the Alps', created_time: '2024-02-01T09:00:00+0000' },
        { id: `${U.doraAsid}_6001000000000002`, story: 'Dora shared a memory.', created_time: '2024-01-01T09:00:00+0000' },
      ],
      videos: [
        { id: '6002000000000001', description: 'Tagged clip', updated_time: '2024-04-01T10:00:00+0000', tagged: true },
        { id: '6002000000000002', description: 'My upload', updated_time: '2024-04-02T10:00:00+0000' },
      ],
      live_videos: [{ id: '6003000000000001', status: 'VOD', title: 'Live from the summit', stream_url: 'rtmps://live-api-s.facebook.com:443/rtmp/x' }],
      live_encoders: [{ id: '6004000000000001', name: 'Studio encoder', brand: 'Acme', model: 'E1', status: 'READY' }],
      likes: [
        { id: '20531316728', name: 'Facebook', category: 'Website', created_time: '2022-11-02T08:30:00+0000' },
        { id: '6979393237', name: 'The Beatles', category: 'Musician/Band', created_time: '2021-11-02T08:30:00+0000' },
      ],
      music: [{ id: '6979393237', name: 'The Beatles', category: 'Musician/Band', created_time: '2021-11-02T08:30:00+0000' }],
      conversations: [{ id: 't_6005000000000001', updated_time: '2024-05-01T10:00:00+0000', message_count: 3 }],
      custom_labels: [{ id: '6006000000000001', page_label_name: 'VIP' }],
      apprequests: [
        {
          id: `6007000000000001_${U.doraAsid}`,
          application: { id: DEMO.appId, name: 'Demo App' },
          message: 'Join my team',
          from: { id: '104857392018475', name: 'Bob Sample' },
          to: { id: U.doraAsid, name: 'Dora Q Explorer' },
        },
        { id: `6007000000000002_${U.doraAsid}`, application: { id: DEMO.secondAppId, name: 'Second Demo App' }, message: 'Other app' },
      ],
      apprequestformerrecipients: [{ id: '6008000000000001', recipient_id: U.doraAsid }],
      ad_studies: [{ id: '6009000000000001', name: 'Brand lift Q1', type: 'LIFT' }],
      payment_subscriptions: [{ id: '6010000000000001', amount: '4.99', currency: 'USD', status: 'active' }],
      rich_media_documents: [{ id: '6011000000000001', name: 'Summer catalogue', is_published: true }],
      assigned_applications: [{ id: DEMO.appId, name: 'Demo App' }],
      assigned_business_asset_groups: [{ id: '6012000000000001', name: 'EU assets' }],
      assigned_product_catalogs: [{ id: '6013000000000001', name: 'Shoes', vertical: 'commerce' }],
      businesses: [
        { business: DEMO.businessId, role: 'ADMIN' },
        { business: U.thirdBusinessId, role: 'ADMIN' },
      ],
    },
    lee: { businesses: [{ business: U.thirdBusinessId, role: 'EMPLOYEE' }] },
  },
};

/** The demo world plus USERS_FIXTURE, on a fresh in-memory server. */
export async function startUsersServer(): Promise<TestServer> {
  const server = await startTestServer();
  const res = await server.admin('/_localgraph/fixture?merge=1', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(USERS_FIXTURE),
  });
  if (res.status !== 200) throw new Error(`users fixture did not load: ${JSON.stringify(res.body)}`);
  return server;
}

/** `GET` helper: `get(server, 'v21.0', 'me', { fields: 'id' }, token)`. */
export function q(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}
