/**
 * Turns OrderInputs from any source into order rows: hashes email/phone/external id on arrival
 * (the raw values go no further), classifies scope and TikTok attribution, derives browser/OS
 * and days to conversion, and merges into the one record per (store, platform id).
 */
import type { Db } from '@/db/client';
import { upsertOrders, type NewOrderRow } from '@/db/queries/orders';
import type { Store } from '@/db/queries/stores';
import { hashMatchKey, type HashableField } from '@/lib/identity';
import { parseUserAgent } from '@/lib/ingest/user-agent';
import { classifyAttribution } from './attribution';
import { classifyScope } from './scope';
import type { OrderInput, OrderSource } from './types';

export interface IngestSummary {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Match keys that could not be normalized were dropped (never stored raw). */
  droppedKeys: number;
}

const DAY_MS = 86_400_000;
const BATCH = 500;

function hashOrNull(field: HashableField, raw: string | null | undefined, country: string | null): string | null {
  if (!raw || !raw.trim()) return null;
  const result = hashMatchKey(field, raw, { country: country ?? undefined });
  return result.ok ? result.sha256 : null;
}

export function toOrderRow(store: Pick<Store, 'id' | 'phoneCountry'>, input: OrderInput, source: OrderSource): NewOrderRow & { droppedKeys: number } {
  const attribution = classifyAttribution(input.visits);
  const scope = classifyScope(input);
  const ua = input.userAgent ? parseUserAgent(input.userAgent) : null;
  const firstVisitAt = typeof input.visits === 'string' ? null : (input.visits.first?.occurredAt ?? input.visits.last?.occurredAt ?? null);
  const daysToConversion =
    input.daysToConversion ?? (firstVisitAt ? Math.max(0, Math.floor((input.processedAt.getTime() - firstVisitAt.getTime()) / DAY_MS)) : null);
  const emailSha256 = hashOrNull('email', input.email, store.phoneCountry);
  const phoneSha256 = hashOrNull('phone', input.phone, store.phoneCountry);
  const externalIdSha256 = hashOrNull('external_id', input.externalId, store.phoneCountry);
  const droppedKeys = [
    [input.email, emailSha256],
    [input.phone, phoneSha256],
    [input.externalId, externalIdSha256],
  ].filter(([raw, hashed]) => raw && String(raw).trim() && !hashed).length;
  return {
    storeId: store.id,
    platformId: input.platformId,
    name: input.name ?? null,
    processedAt: input.processedAt,
    platformUpdatedAt: input.updatedAt ?? null,
    value: input.value,
    currency: input.currency.toUpperCase(),
    test: input.test,
    cancelledAt: input.cancelledAt ?? null,
    channel: input.channel ?? null,
    inScope: scope.inScope,
    scopeReason: scope.inScope ? null : scope.reason,
    attribution: attribution.attribution,
    attributionVisit: attribution.visit,
    utmSource: attribution.utmSource,
    referrerHost: attribution.referrerHost,
    firstVisitAt,
    daysToConversion,
    browser: ua?.browser ?? null,
    browserMajor: ua?.browserMajor ?? null,
    os: ua?.os ?? null,
    osMajor: ua?.osMajor ?? null,
    emailSha256,
    phoneSha256,
    externalIdSha256,
    ip: input.ip?.trim() || null,
    userAgent: input.userAgent?.trim() || null,
    ttclid: input.ttclid?.trim() || attribution.ttclid,
    ttp: input.ttp?.trim() || null,
    source,
    droppedKeys,
  };
}

/** Within one batch the newest version of an order wins (Postgres cannot merge a row twice). */
export function newestPerOrder(rows: NewOrderRow[]): NewOrderRow[] {
  const byId = new Map<string, NewOrderRow>();
  for (const row of rows) {
    const prev = byId.get(row.platformId);
    if (!prev || (row.platformUpdatedAt?.getTime() ?? 0) >= (prev.platformUpdatedAt?.getTime() ?? 0)) byId.set(row.platformId, row);
  }
  return [...byId.values()];
}

export async function ingestOrders(
  db: Db,
  store: Pick<Store, 'id' | 'phoneCountry'>,
  inputs: OrderInput[],
  source: OrderSource,
): Promise<IngestSummary> {
  const summary: IngestSummary = { received: inputs.length, inserted: 0, updated: 0, unchanged: 0, droppedKeys: 0 };
  const rows = inputs.map((input) => {
    const { droppedKeys, ...row } = toOrderRow(store, input, source);
    summary.droppedKeys += droppedKeys;
    return row;
  });
  const unique = newestPerOrder(rows);
  for (let i = 0; i < unique.length; i += BATCH) {
    const { inserted, updated } = await upsertOrders(db, unique.slice(i, i + BATCH));
    summary.inserted += inserted;
    summary.updated += updated;
  }
  summary.unchanged = inputs.length - summary.inserted - summary.updated;
  return summary;
}
