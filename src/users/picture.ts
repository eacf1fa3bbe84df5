/**
 * The profile picture, as a field (`picture`, `picture.type(large)`, `picture.width(100){url}`)
 * and as the `/picture` edge, which answers a 302 redirect to the image unless `redirect=0`
 * (spec §6.3). The image itself is served by localgraph under `/_localgraph/profilepic`, so a
 * client that follows the redirect gets a real `image/png`.
 */
import { deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { adminRouteRegistrars, type AdminRouteRegistrar } from '../admin/routes.js';
import { invalidParameter, nonexistingField } from '../graph/errors/catalogue.js';
import { RawResponse, type GraphContext } from '../graph/context.js';
import type { FieldNode } from '../graph/fields/types.js';
import type { UserView } from './user-view.js';

export const PICTURE_TYPES = ['small', 'normal', 'album', 'large', 'square'] as const;
const SIZE_OF_TYPE: Record<string, number> = { small: 50, normal: 100, album: 50, large: 200, square: 50 };
const MAX_SIDE = 2048;

export interface PictureArgs {
  type?: string;
  width?: string;
  height?: string;
}

export interface PictureData {
  height: number;
  is_silhouette: boolean;
  url: string;
  width: number;
}

const PICTURE_FIELDS = ['height', 'is_silhouette', 'url', 'width', 'cache_key'];

function side(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) <= 0) throw invalidParameter(`Param ${name} must be a positive integer`);
  return Math.min(Number(raw), MAX_SIDE);
}

/** The size a request asks for: `type`, or `width`/`height` (one alone gives a square). */
export function pictureSize(args: PictureArgs): { width: number; height: number } {
  if (args.type !== undefined && !(PICTURE_TYPES as readonly string[]).includes(args.type)) {
    throw invalidParameter(`type must be one of the following values: ${PICTURE_TYPES.join(', ')}`);
  }
  const w = side('width', args.width);
  const h = side('height', args.height);
  if (w !== undefined || h !== undefined) return { width: w ?? (h as number), height: h ?? (w as number) };
  const s = SIZE_OF_TYPE[args.type ?? 'square'] ?? 50;
  return { width: s, height: s };
}

export function pictureData(u: UserView, ctx: GraphContext, args: PictureArgs): PictureData {
  const { width, height } = pictureSize(args);
  const stored = (u.profile.picture ?? {}) as { url?: unknown; is_silhouette?: unknown };
  const isSilhouette = stored.is_silhouette === true;
  let url: string;
  if (typeof stored.url === 'string' && stored.url !== '') url = stored.url;
  else {
    // Shaped like the real lookaside URL: asid, size, an expiry (`ext`) and a hash.
    const ext = ctx.services.clock.nowSeconds() + 14 * 86_400;
    const hash = createHash('sha256').update(`${u.appUser.asid}:${width}:${height}:${ext}`).digest('base64url').slice(0, 22);
    const q = new URLSearchParams({ asid: u.appUser.asid, height: String(height), width: String(width), ext: String(ext), hash: `Ab${hash}` });
    if (isSilhouette) q.set('silhouette', '1');
    url = `${ctx.baseUrl}/_localgraph/profilepic?${q.toString()}`;
  }
  return { height, is_silhouette: isSilhouette, url, width };
}

/** The `picture` field: `{"data":{…}}`, with `{url,…}` selecting members of `data`. */
export function pictureField(u: UserView, ctx: GraphContext, field: FieldNode): { data: Record<string, unknown> } {
  const data = pictureData(u, ctx, { type: field.args.type, width: field.args.width, height: field.args.height });
  if (!field.children) return { data: { ...data } };
  const picked: Record<string, unknown> = {};
  for (const c of field.children) {
    if (!PICTURE_FIELDS.includes(c.name)) throw nonexistingField(c.name, 'ProfilePictureSource');
    const v = (data as unknown as Record<string, unknown>)[c.name];
    if (v !== undefined) picked[c.alias ?? c.name] = v;
  }
  return { data: picked };
}

function wantsRedirect(ctx: GraphContext): boolean {
  const r = ctx.params.string('redirect');
  if (r === undefined) return true;
  return !(r === '0' || r.toLowerCase() === 'false');
}

/** `GET /{user-id}/picture`: a 302 to the image, or the JSON form with `redirect=0`. */
export function pictureEdge(u: UserView, ctx: GraphContext): RawResponse | { data: PictureData } {
  const data = pictureData(u, ctx, { type: ctx.params.string('type'), width: ctx.params.string('width'), height: ctx.params.string('height') });
  if (!wantsRedirect(ctx)) return { data };
  return new RawResponse(302, { location: data.url, 'content-type': 'image/png', 'content-length': '0' }, '');
}

// ---- the image behind the URL ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A solid-colour RGB PNG of the given size (grey for a silhouette, a per-person colour otherwise). */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function colourOf(key: string): [number, number, number] {
  const d = createHash('sha256').update(key).digest();
  return [64 + (d[0] % 160), 64 + (d[1] % 160), 64 + (d[2] % 160)];
}

/** Served without the admin token: it is where the public picture URLs lead. */
const profilePicRoute: AdminRouteRegistrar = (app: FastifyInstance) => {
  app.get('/_localgraph/profilepic', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const dim = (v: string | undefined): number => (v && /^\d+$/.test(v) ? Math.min(Math.max(Number(v), 1), MAX_SIDE) : 50);
    const png = solidPng(dim(q.width), dim(q.height), q.silhouette === '1' ? [200, 204, 209] : colourOf(q.asid ?? ''));
    reply.code(200).header('content-type', 'image/png').header('cache-control', 'max-age=1209600').send(png);
  });
};

/** Registers the image route once per process (the registrar list outlives a server). */
export function registerProfilePicRoute(): void {
  if (!adminRouteRegistrars.includes(profilePicRoute)) adminRouteRegistrars.push(profilePicRoute);
}
