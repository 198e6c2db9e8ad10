/**
 * The set-based SQL behind computeHealth: three aggregate statements, no per-order work in Node:
 * orderAggregates (everything per order), eventAggregates (normalization and unlinked events,
 * per event), dailyCounts (TikTok's counts).
 * Every rule here is written down in docs/metrics.md; change both together.
 *
 * Shape of the main statement (orderAggregates):
 *   o     in-scope orders of the window          orders_store_processed_idx (store_id, processed_at)
 *   b, s  the store's beacons / live purchase server events, narrowed, each beacon ranked once
 *   x     o ⟕ b ⟕ s, one row per order (DISTINCT ON): the order's beacon and server event
 *   keyed every rule evaluated once per order as a column
 *   agg   counts per (browser, OS, days bucket, load bucket) — a few hundred rows at most —
 *         then GROUPING SETS roll those up into the total and the four segment tables.
 * Two parallel hash joins and one parallel sort; the rest runs on about one narrow row per order.
 * `o` is NOT MATERIALIZED so each use is planned against the real table. The sort compares order
 * ids bytewise (COLLATE "C"): only grouping matters, and locale collation is several times slower.
 */
import { sql, type SQL } from 'drizzle-orm';
import { selectRows, type Db } from '@/db/client';
import {
  ATTRIBUTABLE,
  DEDUP_WINDOW_SECONDS,
  FAST_PAGE_MS,
  ITP_COOKIE_DAYS,
  LTP_SAFARI_MAJOR,
  PURCHASE_EVENT_NAMES,
  SERVER_LEG_DELIVERIES,
  SLOW_PAGE_MS,
  WARNING_LINT_CODES,
} from './definitions';

export interface WindowParams {
  storeId: string;
  /** from 00:00Z, inclusive. */
  start: Date;
  /** to+1 00:00Z, exclusive. */
  end: Date;
  from: string;
  to: string;
}

const list = (values: readonly (string | number)[]): SQL =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

const textArray = (values: readonly string[]): SQL =>
  values.length ? sql`array[${list(values)}]::text[]` : sql`'{}'::text[]`;

const PURCHASE = list(PURCHASE_EVENT_NAMES);

/**
 * Per-order counts: [column, condition over the `po` row]. Counted per segment combination,
 * then summed by the grouping sets.
 */
const COUNTS = [
  ['orders', sql`true`],
  ['attributable', sql`is_a`],
  ['browser', sql`has_b`],
  ['server', sql`has_s`],
  ['either', sql`has_b or has_s`],
  ['both', sql`has_b and has_s`],
  ['both_same_id', sql`same_id`],
  ['deduplicated', sql`deduped`],
  ['double_counts', sql`dc_reason is not null`],
  ['dc_event_id_missing', sql`dc_reason = 'event_id_missing'`],
  ['dc_event_id_mismatch', sql`dc_reason = 'event_id_mismatch'`],
  // never today: both legs hold purchase names only (docs/metrics.md §3)
  ['dc_event_name_mismatch', sql`false`],
  ['dc_outside_48h', sql`dc_reason = 'outside_48h'`],
  ['with_beacon', sql`has_beacon`],
  ['lost_browser', sql`not has_b`],
  ['lost_server', sql`not has_s`],
  ['server_failed_only', sql`s_failed_only`],
  ['cause_consent_denied', sql`cause = 'consent_denied'`],
  ['cause_ad_blocker', sql`cause = 'ad_blocker'`],
  ['cause_slow_page', sql`cause = 'slow_page'`],
  ['cause_no_confirmation_view', sql`cause = 'no_confirmation_view'`],
  ['cause_pixel_not_fired', sql`cause = 'pixel_not_fired'`],
  ['weak_click_id_stripped', sql`click_id_stripped`],
  ['weak_cookie_truncated', sql`cookie_truncated`],
  ['key_email', sql`has_s and s_email`],
  ['key_phone', sql`has_s and s_phone`],
  ['key_external_id', sql`has_s and s_external_id`],
  ['key_ttclid', sql`has_s and s_ttclid`],
  ['key_ttp', sql`has_s and s_ttp`],
  ['key_ip', sql`has_s and s_ip`],
  ['key_user_agent', sql`has_s and s_user_agent`],
  ['attributable_server', sql`is_a and has_s`],
  ['attributable_server_ttclid', sql`is_a and has_s and s_ttclid`],
] as const satisfies readonly (readonly [string, SQL])[];

export type CountColumn = (typeof COUNTS)[number][0];
export type CountRow = Record<CountColumn, number>;
export const COUNT_COLUMNS: readonly CountColumn[] = COUNTS.map(([name]) => name);

const countPerGroup = sql.join(
  COUNTS.map(([name, cond]) => sql`count(*) filter (where ${cond})::int as ${sql.identifier(name)}`),
  sql`,\n  `,
);
const sumPerSet = sql.join(
  COUNTS.map(([name]) => sql`sum(${sql.identifier(name)})::int as ${sql.identifier(name)}`),
  sql`,\n  `,
);

/** O: in-scope orders processed in [start, end) — orders_store_processed_idx (store_id, processed_at). */
const inScopeOrders = (p: WindowParams) => sql`
  select o.platform_id, o.attribution, o.days_to_conversion,
         o.browser, o.browser_major, o.os, o.os_major
  from orders o
  where o.store_id = ${p.storeId}
    and o.in_scope
    and o.processed_at >= ${p.start.toISOString()}::timestamptz
    and o.processed_at < ${p.end.toISOString()}::timestamptz`;

export type SegmentDimension = 'browser' | 'os' | 'days_to_conversion' | 'page_load';

export interface OrderAggregateRow extends CountRow {
  /** `total` for the whole window, else the segment dimension. */
  dim: 'total' | SegmentDimension;
  /** The segment's value; null on the total row. */
  seg: string | null;
}

/**
 * One statement, one row per group: the window total plus every segment row (GROUPING SETS over
 * browser, OS major, days-to-conversion bucket, page-load bucket). No row at all when O is empty.
 */
export function orderAggregates(db: Db, p: WindowParams): Promise<OrderAggregateRow[]> {
  return selectRows<OrderAggregateRow>(
    db,
    sql`
with o as not materialized (${inScopeOrders(p)}),
-- The legs, narrowed to what the rules read, each beacon ranked once: 4 = browser-leg beacon,
-- else the lost cause it shows (3 consent denied, 2 blocked, 1 slow, 0 none). Narrow rows keep the
-- two hash tables and the sort small; that, not the rules, is most of the statement's time.
b as (
  select be.order_id, be.id, be.received_at, be.event_id, be.has_ttclid, be.page_load_ms,
         be.browser, be.browser_major, be.os, be.os_major,
         case when coalesce(be.event_name in (${PURCHASE})
                            and be.pixel_tracked is true
                            and be.pixel_loaded is true
                            and be.probe_ok is not false
                            and be.consent <> 'denied'
                            and be.left_before_send is not true, false) then 4
              when be.consent = 'denied' then 3
              when be.probe_ok is false or be.pixel_loaded is false then 2
              when be.page_load_ms > ${SLOW_PAGE_MS} or be.left_before_send is true then 1
              else 0 end as rank
  from browser_events be
  where be.store_id = ${p.storeId}
),
s as (
  select se.order_id, se.id, se.event_id, coalesce(se.event_time, se.received_at) as t,
         se.delivery in (${list(SERVER_LEG_DELIVERIES)}) as is_leg,
         se.has_email, se.has_phone, se.has_external_id, se.has_ttclid, se.has_ttp, se.has_ip, se.has_user_agent
  from server_events se
  where se.store_id = ${p.storeId} and se.event_name in (${PURCHASE}) and se.test_event_code is null
),
-- Every in-scope order with each of its beacons and each of its live purchase server events
-- (usually one of each: one row per order; more only for a reloaded page × a retried server
-- call). One sort picks per order the row holding the order's beacon — the highest rank, then the
-- first received — and the order's server event — a server-leg one, then the first by time. The
-- chosen beacon's rank is the order's lost cause, first match wins (docs/metrics.md §2, §6).
x as (
  select distinct on (o.platform_id collate "C")
         o.attribution, o.days_to_conversion as dtc,
         b.rank as b_rank, b.received_at as b_time, b.event_id as b_event_id, b.has_ttclid as b_has_ttclid, b.page_load_ms,
         -- browser and OS: the beacon's when it has them, else the order's (each as a name+major pair)
         coalesce(b.browser, o.browser) as eff_browser,
         case when b.browser is not null then b.browser_major else o.browser_major end as eff_browser_major,
         coalesce(b.os, o.os) as eff_os,
         case when b.os is not null then b.os_major else o.os_major end as eff_os_major,
         s.is_leg as s_is_leg, s.t as s_time, s.event_id as s_event_id,
         s.has_email, s.has_phone, s.has_external_id, s.has_ttclid, s.has_ttp, s.has_ip, s.has_user_agent
  from o
  left join b on b.order_id = o.platform_id
  left join s on s.order_id = o.platform_id
  order by o.platform_id collate "C", b.rank desc, b.received_at, b.id, s.is_leg desc, s.t, s.id
),
po0 as (
  select x.*,
    attribution in (${list(ATTRIBUTABLE)}) as is_a,
    b_rank is not null as has_beacon,
    coalesce(b_rank = 4, false) as has_b,
    coalesce(s_is_leg, false) as has_s,
    coalesce(not s_is_leg, false) as s_failed_only
  from x
),
po1 as (
  select po0.*,
    -- browser family only matters for weak matches, i.e. with a browser leg
    has_b and coalesce(eff_browser ilike '%safari%', false) as is_safari,
    has_b and coalesce(lower(eff_os) in ('ios', 'ipados'), false) as is_ios,
    has_b and coalesce(lower(eff_os) in ('macos', 'mac os', 'mac os x', 'os x'), false) as is_macos,
    coalesce(has_b and has_s and b_event_id = s_event_id, false) as same_id,
    -- both legs hold purchase names only, and CompletePayment ≡ Purchase, so names always agree
    coalesce(has_b and has_s and b_event_id = s_event_id
       and abs(extract(epoch from (s_time - b_time))) <= ${DEDUP_WINDOW_SECONDS}, false) as deduped
  from po0
),
-- Every rule as a column, and the four segment keys as one array. The fence (OFFSET 0) makes each
-- column computed once per order, and lets the planner assume a modest number of groups and hash
-- them instead of sorting every order (it cannot estimate how many combinations computed keys make).
keyed as (
  select
    array[coalesce(eff_browser, 'unknown'),
          case when eff_os is null then 'unknown'
               when eff_os_major is null then eff_os
               else eff_os || ' ' || eff_os_major end,
          case when dtc is null then 'unknown'
               when dtc <= 0 then '0'
               when dtc <= 6 then '1-6'
               when dtc <= 29 then '7-29'
               else '30+' end,
          case when b_rank is null then 'no beacon'
               when page_load_ms is null then 'unknown'
               when page_load_ms < ${FAST_PAGE_MS} then '<2s'
               when page_load_ms <= ${SLOW_PAGE_MS} then '2-5s'
               else '>5s' end] as k,
    is_a, has_b, has_s, has_beacon, s_failed_only, same_id, deduped,
    case when not (has_b and has_s) or deduped then null
         when b_event_id is null or s_event_id is null then 'event_id_missing'
         when b_event_id <> s_event_id then 'event_id_mismatch'
         else 'outside_48h' end as dc_reason,
    case b_rank when 4 then null
                when 3 then 'consent_denied'
                when 2 then 'ad_blocker'
                when 1 then 'slow_page'
                when 0 then 'pixel_not_fired'
                else 'no_confirmation_view' end as cause,
    coalesce(has_b and attribution = 'utm' and b_has_ttclid is false
       and is_safari and (is_ios or is_macos)
       and coalesce(eff_browser_major, case when is_ios then eff_os_major end) >= ${LTP_SAFARI_MAJOR}, false) as click_id_stripped,
    (has_b and (is_safari or is_ios) and coalesce(dtc >= ${ITP_COOKIE_DAYS}, false)) as cookie_truncated,
    has_s and has_email as s_email, has_s and has_phone as s_phone, has_s and has_external_id as s_external_id,
    has_s and has_ttclid as s_ttclid, has_s and has_ttp as s_ttp, has_s and has_ip as s_ip,
    has_s and has_user_agent as s_user_agent
  from po1
  offset 0
),
agg as (
  select k[1] as seg_browser, k[2] as seg_os, k[3] as seg_dtc, k[4] as seg_load, n.*
  from (
    select k,
    ${countPerGroup}
    from keyed
    group by k
  ) n
),
sets as (
  select
    case when grouping(seg_browser) = 0 then 'browser'
         when grouping(seg_os) = 0 then 'os'
         when grouping(seg_dtc) = 0 then 'days_to_conversion'
         when grouping(seg_load) = 0 then 'page_load'
         else 'total' end as dim,
    coalesce(seg_browser, seg_os, seg_dtc, seg_load) as seg,
    ${sumPerSet}
  from agg
  group by grouping sets ((), (seg_browser), (seg_os), (seg_dtc), (seg_load))
  having count(*) > 0
)
select * from sets`,
  );
}

export interface EventAggregateRow {
  /** Live server events of orders in O that are purchases or near-miss purchase names. */
  norm_events: number;
  /** …with at least one lint code that is not a warning. */
  norm_events_with_error: number;
  /** …with any lint code. */
  norm_events_with_code: number;
  /** The same events sent with a test_event_code (excluded from everything else). */
  norm_test_events: number;
  /** JSON object: lint code → number of live events carrying it. */
  norm_by_code: string;
  /** Live purchase server events of the window whose order id matches no order of the store. */
  unlinked_server: number;
  /** Purchase beacons received in the window whose order id matches no order of the store. */
  unlinked_browser: number;
}

/**
 * The event-level numbers.
 * - Normalization: lint codes of the server events of orders in O that are purchases, or near-miss
 *   purchase names (`event_name_nonstandard`), in any delivery state — rejected ones included,
 *   since the errors that make TikTok reject an event are the ones most worth seeing.
 * - Unlinked: the window's purchase events (server by event_time, else received_at; beacons by
 *   received_at) whose order id matches no order of the store; they cannot be reconciled (often a
 *   wrong event-id template).
 * Index use: server_events_store_order_idx, server_events_store_time_idx (a range and IS NULL),
 * browser_events_store_received_idx, orders_store_platform_uq. Each part can run in parallel.
 */
export async function eventAggregates(db: Db, p: WindowParams): Promise<EventAggregateRow> {
  const start = sql`${p.start.toISOString()}::timestamptz`;
  const end = sql`${p.end.toISOString()}::timestamptz`;
  const [row] = await selectRows<EventAggregateRow>(
    db,
    sql`
with o as not materialized (${inScopeOrders(p)}),
-- Normalization population: the server events of orders in O that are purchases or near-miss
-- purchase names, in any delivery state (test events only counted), grouped by their code list:
-- a few dozen groups, from which both the totals and the per-code counts follow.
ne as (
  select se.lint_codes, se.test_event_code is not null as is_test, count(*)::int as n
  from o
  join server_events se on se.store_id = ${p.storeId} and se.order_id = o.platform_id
  where se.event_name in (${PURCHASE}) or 'event_name_nonstandard' = any(se.lint_codes)
  group by se.lint_codes, is_test
),
norm as (
  select
    coalesce(sum(n) filter (where not is_test), 0)::int as norm_events,
    coalesce(sum(n) filter (where not is_test and cardinality(lint_codes) > 0
                       and not (lint_codes <@ ${textArray(WARNING_LINT_CODES)})), 0)::int as norm_events_with_error,
    coalesce(sum(n) filter (where not is_test and cardinality(lint_codes) > 0), 0)::int as norm_events_with_code,
    coalesce(sum(n) filter (where is_test), 0)::int as norm_test_events
  from ne
),
codes as (
  -- each code once per event, however often the event lists it
  select u.code, sum(ne.n)::int as n
  from ne cross join lateral (select distinct c from unnest(ne.lint_codes) as c) as u(code)
  where not ne.is_test
  group by u.code
),
-- Unlinked: the window's live purchase server events (by event_time, else receipt) and purchase
-- beacons (by receipt) whose order id matches no order of the store, in one pass with one join
-- to the orders (unique on store_id, platform_id, so no row repeats).
e as (
  select true as is_server, se.order_id
  from server_events se
  where se.store_id = ${p.storeId}
    and ((se.event_time >= ${start} and se.event_time < ${end})
         or (se.event_time is null and se.received_at >= ${start} and se.received_at < ${end}))
    and se.event_name in (${PURCHASE})
    and se.test_event_code is null
  union all
  select false, be.order_id
  from browser_events be
  where be.store_id = ${p.storeId}
    and be.received_at >= ${start} and be.received_at < ${end}
    and be.event_name in (${PURCHASE})
),
unlinked as (
  select count(*) filter (where e.is_server and x.platform_id is null)::int as unlinked_server,
         count(*) filter (where not e.is_server and x.platform_id is null)::int as unlinked_browser
  from e
  left join orders x on x.store_id = ${p.storeId} and x.platform_id = e.order_id
)
select norm.*, unlinked.*,
  (select coalesce(json_object_agg(code, n order by code), '{}'::json)::text from codes) as norm_by_code
from norm, unlinked`,
  );
  return row!;
}

export interface DailyCountRow {
  day: string;
  total: number | null;
  browser: number | null;
  server: number | null;
  attributed: number | null;
}

/** One row per day of the window; counts null where TikTok's day was never fetched. */
export function dailyCounts(db: Db, p: WindowParams): Promise<DailyCountRow[]> {
  return selectRows<DailyCountRow>(
    db,
    sql`
select to_char(d.day, 'YYYY-MM-DD') as day, c.total, c.browser, c.server, c.attributed
from (select ${p.from}::date + i as day from generate_series(0, ${p.to}::date - ${p.from}::date) as i) d
left join tiktok_daily_counts c on c.store_id = ${p.storeId} and c.day = d.day
order by d.day`,
  );
}
