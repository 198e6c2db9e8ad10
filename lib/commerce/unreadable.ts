/**
 * Orders a platform returned that could not be read (a node or row that fails validation). They are
 * not imported, so the read that met them is not complete: the day is read again on the next sync.
 */
export interface UnreadableOrder {
  id: string | null;
  /** The UTC day the platform's day windows would find it on, when that much of it is readable. */
  day: string | null;
}

const LISTED_IDS = 5;

/** Why a read is incomplete when some of its orders could not be read, or null when all were. */
export function unreadableFailure(unreadable: readonly UnreadableOrder[]): string | null {
  if (unreadable.length === 0) return null;
  const ids = unreadable.slice(0, LISTED_IDS).map((u) => u.id ?? '(no id)');
  const more = unreadable.length > LISTED_IDS ? `, … ${unreadable.length - LISTED_IDS} more` : '';
  return `${unreadable.length} order(s) could not be read (${ids.join(', ')}${more}); read again on the next sync`;
}

/** The days to read again for these orders (those whose day is known). */
export function unreadableDays(unreadable: readonly UnreadableOrder[]): string[] {
  return [...new Set(unreadable.flatMap((u) => (u.day ? [u.day] : [])))].sort();
}
