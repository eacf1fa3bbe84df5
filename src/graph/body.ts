/**
 * Request bodies, decoded into parameters by content type. Bodies arrive as raw Buffers for every
 * method (GET and DELETE included: the official SDK sends `{}` with a JSON content type), and a
 * body with no content type is read as a form, as Graph does.
 */
import Busboy from 'busboy';
import { nestEntries } from './brackets.js';
import { invalidParameter, tooManyParameters } from './errors/catalogue.js';
import { parseForm, type ParamMap, type ParamSource } from './params.js';

export interface DecodedBody {
  params: ParamMap;
  source: ParamSource;
  /** Names of uploaded file parts (multipart), kept for batch `attached_files`. */
  files: Record<string, Buffer>;
}

export async function decodeBody(contentType: string | undefined, body: Buffer | undefined): Promise<DecodedBody> {
  const empty: DecodedBody = { params: {}, source: 'none', files: {} };
  if (!body || body.length === 0) return empty;
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type.endsWith('+json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw invalidParameter('The request body is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidParameter('The JSON request body must be an object of parameters');
    }
    return { params: parsed as ParamMap, source: 'json', files: {} };
  }
  if (type === 'multipart/form-data') return decodeMultipart(contentType ?? '', body);
  // urlencoded, text/plain, or no content type at all: all read as a form.
  return { params: parseForm(body.toString('utf8')), source: 'urlencoded', files: {} };
}

function decodeMultipart(contentType: string, body: Buffer): Promise<DecodedBody> {
  return new Promise((resolve, reject) => {
    const params: ParamMap = {};
    const files: Record<string, Buffer> = {};
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: { 'content-type': contentType },
        // 10,000 rows × 15 keys in bracket notation is 150,000 fields: a legal request.
        limits: { fieldSize: 64 * 1024 * 1024, fields: 1_000_000, files: 50 },
        defParamCharset: 'utf8',
      });
    } catch {
      reject(invalidParameter('The multipart request body could not be read'));
      return;
    }
    bb.on('field', (name, value) => {
      params[name] = value;
    });
    bb.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        files[name] = Buffer.concat(chunks);
      });
    });
    bb.on('error', () => reject(invalidParameter('The multipart request body could not be read')));
    // Past the limits busboy drops parts silently; a partial request must not be served as whole.
    bb.on('fieldsLimit', () => reject(tooManyParameters()));
    bb.on('filesLimit', () => reject(tooManyParameters('Too many files in the request')));
    bb.on('close', () => resolve({ params: nestBracketKeys(params), source: 'multipart', files }));
    bb.end(body);
  });
}

/**
 * Multipart field names in bracket notation (`payload[schema][0]`) nest as they do in a form
 * body; plain names pass through untouched.
 */
function nestBracketKeys(params: ParamMap): ParamMap {
  if (!Object.keys(params).some((k) => k.includes('['))) return params;
  return nestEntries(Object.entries(params));
}
