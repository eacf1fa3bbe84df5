/**
 * Times as the Graph API writes them: `datetime` (and `timestamp`) values are ISO 8601 in UTC with
 * a `+0000` offset and no fraction, e.g. `2024-05-21T17:04:12+0000`.
 */
export function graphDateTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** Unix seconds from a fixture value: a number, or any date string `Date.parse` reads. */
export function toUnixSeconds(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v);
  if (typeof v === 'string' && v.trim() !== '') {
    if (/^\d+$/.test(v.trim())) return Number(v.trim());
    // `2024-05-21T17:04:12+0000` is not ISO to Date.parse without the colon in the offset.
    const ms = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  return undefined;
}
