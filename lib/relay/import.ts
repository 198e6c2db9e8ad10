/**
 * Server-leg events from logs (DESIGN.md §3 item 3), for shops whose Events API calls go
 * through another tool: an NDJSON file, one Events API event per line (a whole request body
 * `{event_source, event_source_id, data: [...]}` on one line is accepted too). Each good event is
 * linted and recorded as observed (source `import`, delivery `observed`); bad lines are reported by
 * line number and the rest still imported.
 *
 * Idempotent on (store, event name, event_id): an event already imported for the store (by an
 * earlier run or earlier in the file) is skipped, so importing the same log twice records nothing
 * new. Events without an event_id cannot be recognised and are recorded each time.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { serverEvents } from '@/db/schema';
import type { Store } from '@/db/queries/stores';
import { lintEvent } from '@/lib/identity';
import { recordServerEvents } from './observe';

export const MAX_IMPORT_LINE_CHARS = 1_000_000;
const BATCH = 500;

export interface ImportRejection {
  line: number;
  reason: string;
}

export interface ServerEventsImportResult {
  lines: number;
  /** Events found on good lines. */
  events: number;
  recorded: number;
  /** Already imported (same event name and event_id). */
  duplicates: number;
  rejected: ImportRejection[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Pending {
  event: Json;
  testEventCode: string | null;
  eventSource: unknown;
}

const dedupKey = (e: Json): string | null =>
  typeof e.event === 'string' && (typeof e.event_id === 'string' || typeof e.event_id === 'number') && String(e.event_id) !== ''
    ? `${e.event}\u0000${String(e.event_id)}`
    : null;

/** The events of one line, or why the line is refused. */
export function parseImportLine(text: string): { events: Pending[] } | { error: string } {
  if (text.length > MAX_IMPORT_LINE_CHARS) return { error: `line is over ${MAX_IMPORT_LINE_CHARS} characters` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON' };
  }
  if (!isObject(value)) return { error: 'expected a JSON object (one Events API event)' };
  const asEvent = (e: unknown, where: string, testEventCode: string | null, eventSource: unknown): Pending | string => {
    if (!isObject(e)) return `${where}is not a JSON object`;
    if (typeof e.event !== 'string' || e.event.trim() === '') return `${where}has no "event" (the event name)`;
    return { event: e, testEventCode, eventSource };
  };
  if (Array.isArray(value.data) && value.event === undefined) {
    const test = typeof value.test_event_code === 'string' && value.test_event_code.trim() ? value.test_event_code : null;
    if (value.data.length === 0) return { error: 'request body with an empty "data"' };
    const events: Pending[] = [];
    for (const [i, e] of value.data.entries()) {
      const r = asEvent(e, `data[${i}] `, test, value.event_source);
      if (typeof r === 'string') return { error: r };
      events.push(r);
    }
    return { events };
  }
  const r = asEvent(value, '', null, undefined);
  return typeof r === 'string' ? { error: r } : { events: [r] };
}

export interface ImportOptions {
  onProgress?: (lines: number, bytes: number, totalBytes: number | null) => void;
  now?: Date;
}

export async function importServerEventsNdjson(
  db: Db,
  store: Pick<Store, 'id' | 'eventIdTemplate'>,
  input: string | Readable,
  opts: ImportOptions = {},
): Promise<ServerEventsImportResult> {
  const totalBytes = typeof input === 'string' ? statSync(input).size : null;
  const stream = typeof input === 'string' ? createReadStream(input, { encoding: 'utf8' }) : input;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const result: ServerEventsImportResult = { lines: 0, events: 0, recorded: 0, duplicates: 0, rejected: [] };
  const seen = new Set<string>();
  const receivedAt = opts.now ?? new Date();
  let batch: Pending[] = [];
  let bytes = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const keys = [...new Set(batch.map((p) => p.event.event_id).filter((id) => id !== undefined && id !== null).map(String))];
    const existing = new Set<string>();
    for (let i = 0; i < keys.length; i += 1000) {
      const rows = await db
        .select({ name: serverEvents.eventName, id: serverEvents.eventId })
        .from(serverEvents)
        .where(and(eq(serverEvents.storeId, store.id), eq(serverEvents.source, 'import'), inArray(serverEvents.eventId, keys.slice(i, i + 1000))));
      for (const r of rows) existing.add(`${r.name}\u0000${r.id}`);
    }
    const fresh: Pending[] = [];
    for (const p of batch) {
      const key = dedupKey(p.event);
      if (key !== null && (existing.has(key) || seen.has(key))) {
        result.duplicates++;
        continue;
      }
      if (key !== null) seen.add(key);
      fresh.push(p);
    }
    // One insert per test_event_code (the observation context is per call).
    const groups = new Map<string | null, Pending[]>();
    for (const p of fresh) groups.set(p.testEventCode, [...(groups.get(p.testEventCode) ?? []), p]);
    for (const [testEventCode, group] of groups) {
      const lint = new Map<number, string[]>();
      group.forEach((p, i) => lint.set(i, [...new Set(lintEvent(p.event, i, { eventSource: p.eventSource }).map((x) => x.code))]));
      await recordServerEvents(
        db,
        store,
        group.map((p) => p.event),
        { source: 'import', delivery: 'observed', testEventCode, receivedAt, rawLintByIndex: lint },
      );
      result.recorded += group.length;
    }
    batch = [];
  };

  for await (const line of lines) {
    result.lines++;
    bytes += Buffer.byteLength(line) + 1;
    const text = line.trim();
    if (text === '') continue;
    const parsed = parseImportLine(text);
    if ('error' in parsed) {
      result.rejected.push({ line: result.lines, reason: parsed.error });
      continue;
    }
    result.events += parsed.events.length;
    batch.push(...parsed.events);
    if (batch.length >= BATCH) {
      await flush();
      opts.onProgress?.(result.lines, bytes, totalBytes);
    }
  }
  await flush();
  opts.onProgress?.(result.lines, bytes, totalBytes);
  return result;
}
