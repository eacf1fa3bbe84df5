/**
 * Fixture sections of the audiences domain:
 * - `custom_audiences`: audiences with their ad account, subtype, flags (operation_status 471),
 *   data-source lock, removal floor, simulated size (people counted on top of the rows,
 *   simulated-size.ts) and optional pre-uploaded rows (`{schema, data}` as a /users payload
 *   would carry them, except that readable values are normalised and hashed at load,
 *   fixture-rows.ts; matched by the worker after the load, like an upload);
 * - `audience_extern_ids`: the extern ids an ad account knows people by.
 * Export writes rows as their stored hashes (`"prehashed": true`), so load(export()) rebuilds the
 * same audience without any raw value ever leaving the store.
 */
import { FixtureError } from '../fixtures/load.js';
import { registerFixtureSection, type LoadContext } from '../fixtures/sections.js';
import type { Store } from '../storage/store.js';
import { decodeHex64, sha256, unpackPairs } from './hashing.js';
import { KEY_BY_NAME, KEY_NAME_BY_CODE } from './key-types.js';
import { parseFixtureRows } from './fixture-rows.js';
import type { ParsedUpload } from './payload.js';
import { liveAudienceServices } from './services.js';
import { checkSimulatedSize, MAX_SIMULATED_SIZE, simulatedSize } from './simulated-size.js';

interface RowsChunk {
  schema: string | string[];
  data: unknown[];
  prehashed?: boolean;
  /** As a /users payload's (fixture-rows.ts): optional here, checked when given. */
  app_ids?: Array<string | number>;
  page_ids?: Array<string | number>;
}

/** `app_ids` / `page_ids` of a chunk: numeric ids, as the /users parameters take them. */
const scopeIds = { type: 'array', items: { oneOf: [{ type: 'string', pattern: '^[0-9]{1,20}$' }, { type: 'integer', minimum: 1 }] } };

interface FixtureAudience {
  id: string;
  ad_account: string;
  name?: string;
  description?: string;
  subtype?: string;
  customer_file_source?: string;
  is_value_based?: boolean;
  retention_days?: number;
  subscription_info?: string[];
  operation_status?: number;
  fields_violating_integrity_policy?: string[];
  data_source?: { type: string; sub_type: string };
  removal_floor?: number;
  simulated_size?: number;
  time_created?: number;
  rows?: RowsChunk | RowsChunk[];
}

interface FixtureExternId {
  person: string;
  ad_account: string;
  extern_id?: string;
  extern_sha256?: string;
}

const chunkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'data'],
  properties: {
    schema: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    data: { type: 'array', maxItems: 10000 },
    prehashed: { type: 'boolean' },
    app_ids: scopeIds,
    page_ids: scopeIds,
  },
};

const audienceSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'ad_account'],
    properties: {
      // Graph ids have no leading zero and fit a signed 64-bit integer, which is how SQLite stores
      // the audience id of each row (migration 007); the bound itself is checked at load.
      id: { type: 'string', pattern: '^[1-9][0-9]{5,18}$' },
      ad_account: { type: 'string', pattern: '^(act_)?[0-9]+$' },
      name: { type: 'string' },
      description: { type: 'string' },
      subtype: { type: 'string' },
      customer_file_source: { enum: ['USER_PROVIDED_ONLY', 'PARTNER_PROVIDED_ONLY', 'BOTH_USER_AND_PARTNER_PROVIDED'] },
      is_value_based: { type: 'boolean' },
      retention_days: { type: 'integer', minimum: 0, maximum: 180 },
      subscription_info: { type: 'array', items: { enum: ['WHATSAPP', 'MESSENGER'] } },
      operation_status: { type: 'integer' },
      fields_violating_integrity_policy: { type: 'array', items: { type: 'string' } },
      data_source: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'sub_type'],
        properties: { type: { type: 'string' }, sub_type: { type: 'string' } },
      },
      removal_floor: { type: 'integer', minimum: 0 },
      simulated_size: { type: 'integer', minimum: 0, maximum: MAX_SIMULATED_SIZE },
      time_created: { type: 'integer' },
      rows: { oneOf: [chunkSchema, { type: 'array', items: chunkSchema }] },
    },
  },
};

const externSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['person', 'ad_account'],
    properties: {
      person: { type: 'string' },
      ad_account: { type: 'string', pattern: '^(act_)?[0-9]+$' },
      extern_id: { type: 'string', minLength: 1 },
      extern_sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    },
  },
};

/** Rows exported as stored hashes: every column is 64-hex, taken as is. */
function packPrehashed(chunk: RowsChunk, path: string): ParsedUpload {
  const names = Array.isArray(chunk.schema) ? chunk.schema : [chunk.schema];
  const columns = names.map((n, i) => {
    const spec = KEY_BY_NAME.get(n);
    if (!spec || spec.code === 0) throw new FixtureError(`${path}.schema[${i}]`, `${n} is not a stored key`);
    return spec.code;
  });
  const out = Buffer.alloc(chunk.data.length * columns.length * 32);
  chunk.data.forEach((row, r) => {
    const cells = Array.isArray(row) ? row : [row];
    cells.forEach((cell, c) => {
      if (cell === '') return;
      if (typeof cell !== 'string' || !decodeHex64(cell, out, (r * columns.length + c) * 32)) {
        throw new FixtureError(`${path}.data[${r}][${c}]`, 'is not a 64-character hex hash');
      }
    });
  });
  return {
    columns,
    rows: out,
    validRows: chunk.data.length,
    received: chunk.data.length,
    invalid: 0,
    samples: {},
    multiKey: Array.isArray(chunk.schema),
    hasLookalikeValue: false,
    schemaSignature: names.join(','),
  };
}

/**
 * `prehashed: true` (what the export writes): every cell must be a 64-hex hash. Otherwise cells are
 * normalised and hashed at load, and 64-hex cells pass through as hashes (fixture-rows.ts).
 */
function parseChunk(chunk: RowsChunk, path: string): ParsedUpload {
  if (chunk.prehashed) return packPrehashed(chunk, path);
  return parseFixtureRows(chunk, path);
}

const INT64_MAX = 2n ** 63n - 1n;

async function loadAudiences(value: unknown, ctx: LoadContext): Promise<void> {
  const list = value as FixtureAudience[];
  const { store, clock } = ctx;
  const now = clock.nowSeconds();
  for (const [i, f] of list.entries()) {
    const path = `$.custom_audiences[${i}]`;
    const account = f.ad_account.replace(/^act_/, '');
    if (!(await store.world.getAdAccount(account))) ctx.fail(`${path}.ad_account`, `no ad account ${f.ad_account}`);
    if (BigInt(f.id) > INT64_MAX) ctx.fail(`${path}.id`, `must be at most ${INT64_MAX} (a 64-bit Graph id)`);
    if (await store.world.typeOf(f.id)) ctx.fail(`${path}.id`, `duplicates an id that already exists`);
    const chunks = f.rows === undefined ? [] : Array.isArray(f.rows) ? f.rows : [f.rows];
    const parsed = chunks.map((c, j) => parseChunk(c, `${path}.rows${Array.isArray(f.rows) ? `[${j}]` : ''}`));
    const ds = f.data_source ?? (parsed[0] ? { type: 'FILE_IMPORTED', sub_type: parsed[0].multiKey ? 'MULTI_HASHES' : 'HASHES_OR_USER_IDS' } : undefined);
    const created = f.time_created ?? now;
    const subtype = f.subtype ?? 'CUSTOM';
    let simulated = 0;
    if (f.simulated_size !== undefined) {
      // The schema checked the number; what is left is whether this audience may have one.
      const checked = checkSimulatedSize(subtype, f.simulated_size);
      if ('problem' in checked) ctx.fail(`${path}.simulated_size`, checked.problem);
      simulated = checked.size;
    }
    await store.audiences.insertAudience({
      id: f.id,
      ad_account_id: account,
      name: f.name ?? null,
      description: f.description ?? null,
      subtype,
      customer_file_source: f.customer_file_source ?? (subtype === 'CUSTOM' ? 'USER_PROVIDED_ONLY' : null),
      is_value_based: f.is_value_based ? 1 : 0,
      retention_days: f.retention_days ?? 0,
      subscription_info: f.subscription_info ? JSON.stringify(f.subscription_info) : null,
      extra: '{}',
      data_source_type: ds?.type ?? 'UNKNOWN',
      data_source_sub_type: ds?.sub_type ?? 'ANYTHING',
      status_override: f.operation_status ?? null,
      fields_violating: f.fields_violating_integrity_policy ? JSON.stringify(f.fields_violating_integrity_policy) : null,
      replace_state: null,
      generation: 0,
      member_count: 0,
      published_count: parsed.length > 0 ? 0 : -1,
      removal_floor: f.removal_floor ?? 0,
      // Generation 0, the one a loaded audience starts at: the simulated people are its members.
      simulated_size: simulated,
      simulated_generation: 0,
      time_created: created,
      time_updated: created,
      time_content_updated: created,
      deleted: 0,
    });
    await store.world.register(f.id, 'customaudience');
    for (const p of parsed) {
      if (p.validRows === 0) continue;
      await store.audiences.enqueue({
        audience_id: f.id,
        ad_account_id: account,
        session_id: null,
        op: 'add',
        generation: null,
        columns: JSON.stringify(p.columns),
        row_count: p.validRows,
        rows: p.rows,
        rows_done: 0,
        ready_at_ms: clock.now(),
        staged_at: now,
        claimed_by: null,
        claimed_at: null,
      });
    }
  }
  wakeAll();
}

async function loadExternIds(value: unknown, ctx: LoadContext): Promise<void> {
  const touched = new Set<string>();
  for (const [i, e] of (value as FixtureExternId[]).entries()) {
    const path = `$.audience_extern_ids[${i}]`;
    const personId = ctx.personIds.get(e.person) ?? ctx.fail(`${path}.person`, `no person with key ${e.person}`);
    const account = e.ad_account.replace(/^act_/, '');
    if (!(await ctx.store.world.getAdAccount(account))) ctx.fail(`${path}.ad_account`, `no ad account ${e.ad_account}`);
    let hash: Buffer;
    if (e.extern_sha256) hash = Buffer.from(e.extern_sha256, 'hex');
    else if (e.extern_id) hash = sha256(e.extern_id);
    else ctx.fail(path, 'needs extern_id or extern_sha256');
    await ctx.store.audiences.addExternId(account, hash, personId);
    touched.add(personId);
  }
  // People who already had keys get them rebuilt with the new extern ids once the load commits.
  for (const s of liveAudienceServices) for (const id of touched) s.people.personChanged(id).catch(() => undefined);
  wakeAll();
}

/** After a load, people may have changed without events: the next matcher run re-checks them. */
function wakeAll(): void {
  for (const s of liveAudienceServices) {
    s.people.invalidate();
    s.worker.notify(20);
  }
}

async function exportAudiences(store: Store): Promise<unknown> {
  const out: FixtureAudience[] = [];
  for (const a of await store.audiences.listAllAudiences()) {
    const groups = new Map<string, RowsChunk>();
    let after: Buffer | undefined;
    for (;;) {
      const page = await store.audiences.pageRows(a.id, 5000, after);
      if (page.length === 0) break;
      for (const r of page) {
        const pairs = unpackPairs(Buffer.from(r.keys));
        const names = pairs.map((p) => KEY_NAME_BY_CODE.get(p.type) ?? String(p.type));
        const sig = names.join(',');
        let g = groups.get(sig);
        if (!g) groups.set(sig, (g = { schema: names, data: [], prehashed: true }));
        g.data.push(pairs.map((p) => p.hash.toString('hex')));
      }
      after = Buffer.from(page[page.length - 1].row_hash);
    }
    const rows: RowsChunk[] = [];
    for (const g of groups.values()) for (let i = 0; i < g.data.length; i += 10000) rows.push({ ...g, data: g.data.slice(i, i + 10000) });
    const subs = a.subscription_info ? (JSON.parse(a.subscription_info) as string[]) : undefined;
    const violating = a.fields_violating ? (JSON.parse(a.fields_violating) as string[]) : undefined;
    // Only the simulated people still in the audience: a committed replace dropped the others.
    const simulated = simulatedSize(a);
    out.push({
      id: a.id,
      ad_account: 'act_' + a.ad_account_id,
      ...(a.name !== null ? { name: a.name } : {}),
      ...(a.description !== null ? { description: a.description } : {}),
      subtype: a.subtype,
      ...(a.customer_file_source ? { customer_file_source: a.customer_file_source } : {}),
      is_value_based: a.is_value_based === 1,
      retention_days: a.retention_days,
      ...(subs ? { subscription_info: subs } : {}),
      ...(a.status_override !== null ? { operation_status: a.status_override } : {}),
      ...(violating ? { fields_violating_integrity_policy: violating } : {}),
      ...(a.data_source_type !== 'UNKNOWN' ? { data_source: { type: a.data_source_type, sub_type: a.data_source_sub_type } } : {}),
      ...(a.removal_floor > 0 ? { removal_floor: a.removal_floor } : {}),
      ...(simulated > 0 ? { simulated_size: simulated } : {}),
      time_created: Number(a.time_created),
      ...(rows.length > 0 ? { rows } : {}),
    });
  }
  return out;
}

async function exportExternIds(store: Store, personKeys: Map<string, string>): Promise<unknown> {
  return (await store.audiences.listExternIds()).map((e) => ({
    person: personKeys.get(e.person_id) ?? e.person_id,
    ad_account: 'act_' + e.ad_account_id,
    extern_sha256: Buffer.from(e.extern_hash).toString('hex'),
  }));
}

let registered = false;

export function registerAudienceFixtureSections(): void {
  if (registered) return;
  registered = true;
  registerFixtureSection({ name: 'audience_extern_ids', schema: externSchema, load: loadExternIds, export: exportExternIds });
  registerFixtureSection({ name: 'custom_audiences', schema: audienceSchema, load: loadAudiences, export: exportAudiences });
}
