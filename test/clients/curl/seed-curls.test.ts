/**
 * The reference pages' curl examples, run as written: argv split as a shell would, then only the
 * placeholders (`<ACCESS_TOKEN>`, `{person-id}`, `<CUSTOM_AUDIENCE_ID>`) and the host swapped. Two
 * ways in: the host replaced by localgraph's base URL, and the host kept with
 * `--proxy … --cacert …` added, as someone would point curl at proxy mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudienceDirect, curl, DEMO, startClientServer, type ClientServer } from '../helpers.js';
import { SEED_CURLS } from './seed-curls.js';
import { shellWords } from './shell-words.js';

let server: ClientServer;

beforeAll(async () => {
  server = await startClientServer({ proxy: true });
});
afterAll(async () => {
  await server?.close();
});

type Way = 'base-url' | 'proxy';

function argvFor(command: string, way: Way, audienceId: string): string[] {
  const words = shellWords(command);
  expect(words[0]).toBe('curl');
  const swapped = words.slice(1).map((w) => {
    let out = w.replaceAll('<ACCESS_TOKEN>', DEMO.aliceToken).replaceAll('{person-id}', DEMO.aliceAsid).replaceAll('<CUSTOM_AUDIENCE_ID>', audienceId);
    if (way === 'base-url') out = out.replace(/^https:\/\/graph\.facebook\.com/, server.url);
    return out;
  });
  return way === 'proxy' ? ['--proxy', server.url, '--cacert', server.caFile as string, ...swapped] : swapped;
}

function versionOf(command: string): string {
  return /graph\.facebook\.com\/(v\d+\.\d+)\//.exec(command)?.[1] as string;
}

describe.each<Way>(['base-url', 'proxy'])('the seeds\' curl examples, way in: %s', (way) => {
  for (const seed of SEED_CURLS.filter((s) => s.command.includes('-X GET'))) {
    it(`${seed.source}: -G -d access_token reads the person`, async () => {
      const mark = await server.journalMark();
      const r = await curl(argvFor(seed.command, way, ''));
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ name: 'Alice Example', id: DEMO.aliceAsid });
      const sent = await server.journalSince(mark);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ method: 'GET', path: `/${versionOf(seed.command)}/${DEMO.aliceAsid}/`, encodings: ['query'], status: 200 });
    });
  }

  for (const seed of SEED_CURLS.filter((s) => s.command.includes('-X POST'))) {
    it(`${seed.source}: -F payload (multipart) adds four value-based rows`, async () => {
      const audienceId = await createAudienceDirect(server, `seed curl ${way} ${seed.source}`, { is_value_based: 'true' });
      const mark = await server.journalMark();
      const r = await curl(argvFor(seed.command, way, audienceId));
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ audience_id: audienceId, num_received: 4, num_invalid_entries: 0 });
      const sent = await server.journalSince(mark);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ method: 'POST', path: `/${versionOf(seed.command)}/${audienceId}/users`, encodings: ['multipart'], status: 200 });
      expect(sent[0].params.payload).toMatchObject({ schema: ['EMAIL', 'LOOKALIKE_VALUE'] });
    });
  }
});
