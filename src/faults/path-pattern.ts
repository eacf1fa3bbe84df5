/**
 * Path patterns for fault rules and custom rate limits, matched against the path after the
 * version (`/me/permissions`, `/act_1029384756/customaudiences`, `/238…/users`):
 * `*` matches within one segment, `**` across segments, `re:` introduces a regular expression.
 * A version written in the pattern (`/v21.0/me`) is ignored, so rules apply to every version.
 */
export type PathMatcher = (path: string) => boolean;

export function compilePathPattern(pattern: string): PathMatcher {
  if (pattern.startsWith('re:')) {
    const re = new RegExp(pattern.slice(3));
    return (p) => re.test(p);
  }
  let p = pattern.trim();
  if (!p.startsWith('/')) p = '/' + p;
  p = p.replace(/^\/v\d+\.\d+(?=\/|$)/, '');
  if (p === '') p = '/';
  if (p.length > 1) p = p.replace(/\/+$/, '');
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*' && p[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  const compiled = new RegExp(`^${re}$`);
  return (path) => compiled.test(path);
}

/** The path a rule sees: `/` + the segments after the version. */
export function rulePath(segments: string[]): string {
  return '/' + segments.join('/');
}
