/**
 * The parsed form of the `fields` parameter: `id,name,albums.limit(2){name,photos.limit(1){id}}`
 * becomes a list of FieldNodes. Parsed once per request; renderers walk it.
 */
export interface FieldNode {
  /** The field or edge name as written (`picture`, `albums`). */
  name: string;
  /** From `.as(alias)`: the key the value is returned under. */
  alias?: string;
  /**
   * Modifiers other than `.as()`, in the order written, by name: `.limit(2)` → { limit: '2' },
   * `.type(large)` → { type: 'large' }, `.summary(true)` → { summary: 'true' }. Values are the raw
   * text between the parentheses, trimmed. A repeated modifier keeps the last value.
   */
  args: Record<string, string>;
  /** The sub-selection in `{…}`; undefined when none was given. */
  children?: FieldNode[];
}
