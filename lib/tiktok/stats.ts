import { z } from 'zod';
import { PURCHASE_EVENT_NAMES } from './events';

/** Pixel ids are 19 digits; TikTok sends strings, but a number is tolerated (precision may already be lost). */
const pixelIdSchema = z.union([z.string(), z.number()]).transform(String);

/** Counts arrive as numbers, sometimes as numeric strings, sometimes not at all. */
const countSchema = z
  .union([z.number(), z.string().regex(/^\d+$/).transform(Number), z.null()])
  .optional()
  .transform((count) => count ?? 0);

const statisticsRowSchema = z.object({
  pixel_event_type: z.string().nullish(),
  custom_event_type: z.string().nullish(),
  event_type: z.string().nullish(),
  total_count: countSchema,
  browser_event_total_count: countSchema,
  server_event_total_count: countSchema,
  attributed_count: countSchema,
});
export type PixelStatisticsRow = z.infer<typeof statisticsRowSchema>;

/** `data` of GET /open_api/v1.3/pixel/event/stats/. */
export const pixelStatsDataSchema = z.object({
  list: z
    .array(
      z.object({
        pixel_id: pixelIdSchema,
        statistics: z
          .array(statisticsRowSchema)
          .nullish()
          .transform((rows) => rows ?? []),
      }),
    )
    .nullish()
    .transform((list) => list ?? []),
});

export interface PixelPurchaseStats {
  pixelId: string;
  /** max(total_count, browser + server): sources disagree on whether total_count is filled. */
  total: number;
  browser: number;
  server: number;
  attributed: number;
  /** The row(s) the counts came from (`SHOPPING`, `CompletePayment`, `Purchase`), null when none. */
  eventType: string | null;
}

const SHOPPING = 'SHOPPING';

function rowTypes(row: PixelStatisticsRow): string[] {
  return [row.pixel_event_type, row.custom_event_type, row.event_type].filter((t): t is string => !!t);
}

/**
 * The purchase counts among a pixel's statistics rows. A `SHOPPING` row (TikTok's optimization
 * event for purchases) wins; otherwise `CompletePayment` and `Purchase` rows are summed, since
 * after the 2025 rename a pixel can show both names for different events.
 */
export function purchaseStatsFromRows(pixelId: string, rows: readonly PixelStatisticsRow[]): PixelPurchaseStats {
  const shopping = rows.find((row) => rowTypes(row).includes(SHOPPING));
  const purchaseRows = shopping
    ? [shopping]
    : rows.filter((row) => rowTypes(row).some((type) => PURCHASE_EVENT_NAMES.includes(type)));
  if (purchaseRows.length === 0) {
    return { pixelId, total: 0, browser: 0, server: 0, attributed: 0, eventType: null };
  }
  const sum = (pick: (row: PixelStatisticsRow) => number) => purchaseRows.reduce((acc, row) => acc + pick(row), 0);
  const browser = sum((row) => row.browser_event_total_count);
  const server = sum((row) => row.server_event_total_count);
  return {
    pixelId,
    // Per row: one name's row may fill only total_count and the other only the leg split.
    total: sum((row) => Math.max(row.total_count, row.browser_event_total_count + row.server_event_total_count)),
    browser,
    server,
    attributed: sum((row) => row.attributed_count),
    eventType: shopping ? SHOPPING : purchaseRows.map((row) => rowTypes(row).find((t) => PURCHASE_EVENT_NAMES.includes(t))).join('+'),
  };
}
