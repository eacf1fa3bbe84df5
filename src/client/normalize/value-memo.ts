/**
 * A bounded cache of raw cell → final column value (the SHA-256 hex, or null
 * when the value is invalid) for columns whose values repeat: first and last
 * names, cities, states, zips, countries, genders, birth-date parts.
 *
 * One SHA-256 call costs ~300–600 ns, most of it the call itself, and
 * normalising a non-ASCII name (NFC, Unicode letters) a few hundred more; a
 * Map hit costs ~20–40 ns. Customer files repeat these values heavily (a few
 * thousand first names cover most people), so most of that work is skipped.
 *
 * Bounded, so memory stays constant whatever the file size, and adaptive: a
 * column whose values turn out not to repeat stops being cached.
 */
const CAPACITY = 16_384;
const PROBE = 10_000;
const MIN_HIT_RATE = 0.2;

export class ValueMemo {
  #map: Map<string, string | null> | undefined = new Map();
  #lookups = 0;
  #hits = 0;

  /** `capacity`: the most values kept (one column's cache holds 16,384; a cache per country fewer). */
  constructor(private readonly capacity = CAPACITY) {}

  /** False once the column proved not to repeat; callers then skip building keys. */
  get active(): boolean {
    return this.#map !== undefined;
  }

  /** The cached result, or undefined on a miss (then call `set`). */
  get(raw: string): string | null | undefined {
    const map = this.#map;
    if (map === undefined) return undefined;
    if (++this.#lookups === PROBE && this.#hits < PROBE * MIN_HIT_RATE) {
      this.#map = undefined; // values do not repeat enough to pay for the lookups
      return undefined;
    }
    const cached = map.get(raw);
    if (cached !== undefined) this.#hits++;
    return cached;
  }

  set(raw: string, result: string | null): void {
    const map = this.#map;
    if (map !== undefined && map.size < this.capacity) map.set(raw, result);
  }
}
