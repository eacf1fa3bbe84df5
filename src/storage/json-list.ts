/**
 * Lists kept as JSON text in a column (granted permissions, scopes, tasks): decoded leniently,
 * because a hand-edited database or an old row must never turn a read into a 500.
 */
export function parseJsonList(json: string | null | undefined): string[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}
