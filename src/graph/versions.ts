/**
 * Graph API versions. The list is configuration (real versions keep coming: captures show v26.0
 * and v27.0), so nothing else in the code names a version except the User node's version table.
 */
export interface VersionInfo {
  /** `v21.0` */
  name: string;
  major: number;
  minor: number;
  /** Unix seconds after which calls fall back to the next oldest usable version; null = no end. */
  availableUntil: number | null;
}

export const DEFAULT_VERSIONS: string[] = Array.from({ length: 16 }, (_, i) => `v${10 + i}.0`);

export const VERSION_PATTERN = /^v(\d+)\.(\d+)$/;

export function parseVersionName(name: string): { major: number; minor: number } | undefined {
  const m = VERSION_PATTERN.exec(name);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export function compareVersions(a: { major: number; minor: number }, b: { major: number; minor: number }): number {
  return a.major - b.major || a.minor - b.minor;
}

export class VersionTable {
  readonly versions: VersionInfo[];

  constructor(names: string[] = DEFAULT_VERSIONS, expiries: Record<string, number> = {}) {
    this.versions = names
      .map((name) => {
        const p = parseVersionName(name);
        if (!p) throw new Error(`not a Graph API version: ${name}`);
        return { name, ...p, availableUntil: expiries[name] ?? null };
      })
      .sort(compareVersions);
  }

  get latest(): VersionInfo {
    return this.versions[this.versions.length - 1];
  }

  /** The oldest version still usable at `now` (unix seconds). */
  oldestAvailable(now: number): VersionInfo {
    return this.versions.find((v) => v.availableUntil === null || v.availableUntil > now) ?? this.latest;
  }

  get(name: string): VersionInfo | undefined {
    return this.versions.find((v) => v.name === name);
  }

  /**
   * The version that serves a call made to `name`. A well-formed version older than every usable
   * one (or past its end date) is served by the oldest usable version, as the real API does
   * ("calls made to it will be defaulted to the next oldest, usable version"). A well-formed
   * version newer than the latest is not known to this server: undefined (the caller answers 2500).
   */
  resolve(name: string, now: number): VersionInfo | undefined {
    const p = parseVersionName(name);
    if (!p) return undefined;
    const oldest = this.oldestAvailable(now);
    if (compareVersions(p, oldest) <= 0) return oldest;
    const exact = this.get(name);
    if (exact && (exact.availableUntil === null || exact.availableUntil > now)) return exact;
    if (compareVersions(p, this.latest) > 0) return undefined;
    // A gap in the list (e.g. v12.5): the next newer configured version serves it.
    return this.versions.find((v) => compareVersions(v, p) >= 0);
  }
}

/** `version >= vX.Y`, for version-dependent behaviour. */
export function atLeast(version: VersionInfo, major: number, minor = 0): boolean {
  return compareVersions(version, { major, minor }) >= 0;
}
