/**
 * Domain events, so one domain can react to another's changes without importing it: a test user
 * deleted by users/ leaves every audience (audiences/ listens); a person created later joins the
 * audiences whose rows match them.
 */
export interface DomainEvents {
  /** A person was created (test user, fixture merge) or their identifiers changed. */
  'person.changed': { personId: string };
  /** A person was deleted (test user deletion): they leave every audience. */
  'person.deleted': { personId: string };
}

type Listener<K extends keyof DomainEvents> = (e: DomainEvents[K]) => Promise<void> | void;

export class EventBus {
  private listeners: { [K in keyof DomainEvents]?: Array<Listener<K>> } = {};

  on<K extends keyof DomainEvents>(name: K, fn: Listener<K>): void {
    const list = (this.listeners[name] ??= []) as Array<Listener<K>>;
    list.push(fn);
  }

  /** Runs every listener and waits for them: a 200 means the consequences happened too. */
  async emit<K extends keyof DomainEvents>(name: K, e: DomainEvents[K]): Promise<void> {
    for (const fn of (this.listeners[name] ?? []) as Array<Listener<K>>) await fn(e);
  }
}
