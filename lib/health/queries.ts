/**
 * The set-based SQL behind computeHealth: three aggregate statements, no per-order work in Node.
 * Every rule here is written down in docs/metrics.md; change both together.
 *
 * Index use: orders are found by (store_id, processed_at) [orders_store_processed_idx]; beacons and
 * server events of those orders by (store_id, order_id) [browser_events_store_order_idx,
 * server_events_store_order_idx]; unlinked events by (store_id, received_at / event_time).
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
  SERVER_FAILED_DELIVERIES,
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

/** O: in-scope orders processed in [start, end). */
const inScopeOrders = (p: WindowParams) => sql`
  select o.platform_id, o.attribution, o.days_to_conversion,
         o.browser, o.browser_major, o.os, o.os_major
  from orders o
  where o.store_id = ${p.storeId}
    and o.in_scope
    and o.processed_at >= ${p.start.toISOString()}::timestamptz
    and o.processed_at < ${p.end.toISOString()}::timestamptz`;

/** Count columns computed per group (the whole window, or one segment). */
const COUNT_COLUMNS = sql`
  count(*)::int as orders,
  count(*) filter (where is_a)::int as attributable,
  count(*) filter (where has_b)::int as browser,
  count(*) filter (where has_s)::int as server,
  count(*) filter (where has_b or has_s)::int as either,
  count(*) filter (where has_b and has_s)::int as both,
  count(*) filter (where has_b and has_s and same_id)::int as both_same_id,
  count(*) filter (where deduped)::int as deduplicated,
  count(*) filter (where dc_reason is not null)::int as double_counts,
  count(*) filter (where dc_reason = 'event_id_missing')::int as dc_event_id_missing,
  count(*) filter (where dc_reason = 'event_id_mismatch')::int as dc_event_id_mismatch,
  count(*) filter (where dc_reason = 'event_name_mismatch')::int as dc_event_name_mismatch,
  count(*) filter (where dc_reason = 'outside_48h')::int as dc_outside_48h,
  count(*) filter (where has_beacon)::int as with_beacon,
  count(*) filter (where not has_b)::int as lost_browser,
  count(*) filter (where not has_s)::int as lost_server,
  count(*) filter (where s_failed_only)::int as server_failed_only,
  count(*) filter (where cause = 'consent_denied')::int as cause_consent_denied,
  count(*) filter (where cause = 'ad_blocker')::int as cause_ad_blocker,
  count(*) filter (where cause = 'slow_page')::int as cause_slow_page,
  count(*) filter (where cause = 'no_confirmation_view')::int as cause_no_confirmation_view,
  count(*) filter (where cause = 'pixel_not_fired')::int as cause_pixel_not_fired,
  count(*) filter (where click_id_stripped)::int as weak_click_id_stripped,
  count(*) filter (where cookie_truncated)::int as weak_cookie_truncated,
  count(*) filter (where has_s and s_email)::int as key_email,
  count(*) filter (where has_s and s_phone)::int as key_phone,
  count(*) filter (where has_s and s_external_id)::int as key_external_id,
  count(*) filter (where has_s and s_ttclid)::int as key_ttclid,
  count(*) filter (where has_s and s_ttp)::int as key_ttp,
  count(*) filter (where has_s and s_ip)::int as key_ip,
  count(*) filter (where has_s and s_user_agent)::int as key_user_agent,
  count(*) filter (where is_a and has_s)::int as attributable_server,
  count(*) filter (where is_a and has_s and s_ttclid)::int as attributable_server_ttclid`;

export interface CountRow {
  orders: number;
  attributable: number;
  browser: number;
  server: number;
  either: number;
  both: number;
  both_same_id: number;
  deduplicated: number;
  double_counts: number;
  dc_event_id_missing: number;
  dc_event_id_mismatch: number;
  dc_event_name_mismatch: number;
  dc_outside_48h: number;
  with_beacon: number;
  lost_browser: number;
  lost_server: number;
  server_failed_only: number;
  cause_consent_denied: number;
  cause_ad_blocker: number;
  cause_slow_page: number;
  cause_no_confirmation_view: number;
  cause_pixel_not_fired: number;
  weak_click_id_stripped: number;
  weak_cookie_truncated: number;
  key_email: number;
  key_phone: number;
  key_external_id: number;
  key_ttclid: number;
  key_ttp: number;
  key_ip: number;
  key_user_agent: number;
  attributable_server: number;
  attributable_server_ttclid: number;
}

export type SegmentDimension = 'browser' | 'os' | 'days_to_conversion' | 'page_load';

export interface OrderAggregateRow extends CountRow {
  /** `total` for the whole window, else the segment dimension. */
  dim: 'total' | SegmentDimension;
  /** The segment's value; null on the total row. */
  seg: string | null;
}

/**
 * One statement, one row per group: the window total plus every segment row
 * (GROUPING SETS over browser, OS major, days-to-conversion bucket, page-load bucket).
 */
export function orderAggregates(db: Db, p: WindowParams): Promise<OrderAggregateRow[]> {
  return selectRows<OrderAggregateRow>(
    db,
    sql`
with o as (${inScopeOrders(p)}),
-- every beacon of an order in O, with the rules evaluated per beacon
bev as (
  select be.id, be.order_id, be.received_at, be.event_id, be.event_name, be.has_ttclid, be.page_load_ms,
         be.browser, be.browser_major, be.os, be.os_major,
         coalesce(be.event_name in (${PURCHASE})
                  and be.pixel_tracked is true
                  and be.pixel_loaded is true
                  and be.probe_ok is not false
                  and be.consent <> 'denied'
                  and be.left_before_send is not true, false) as is_leg,
         be.consent = 'denied' as denied,
         (be.probe_ok is false or be.pixel_loaded is false) as blocked,
         (coalesce(be.page_load_ms > ${SLOW_PAGE_MS}, false) or be.left_before_send is true) as slow
  from browser_events be
  where be.store_id = ${p.storeId}
    and be.order_id in (select platform_id from o)
),
-- one row per order: its first browser-leg beacon, else its first beacon; flags over all its beacons
b as (
  select distinct on (order_id)
         order_id, received_at, event_id, event_name, has_ttclid, page_load_ms,
         browser, browser_major, os, os_major,
         bool_or(is_leg) over w as has_leg,
         bool_or(denied) over w as any_denied,
         bool_or(blocked) over w as any_blocked,
         bool_or(slow) over w as any_slow
  from bev
  window w as (partition by order_id)
  order by order_id, is_leg desc, received_at, id
),
-- every live (non-test) purchase server event of an order in O
sev as (
  select se.id, se.order_id, se.event_id, se.event_name,
         coalesce(se.event_time, se.received_at) as t,
         se.has_email, se.has_phone, se.has_external_id, se.has_ttclid, se.has_ttp, se.has_ip, se.has_user_agent,
         se.delivery in (${list(SERVER_LEG_DELIVERIES)}) as is_leg,
         se.delivery in (${list(SERVER_FAILED_DELIVERIES)}) as failed
  from server_events se
  where se.store_id = ${p.storeId}
    and se.order_id in (select platform_id from o)
    and se.event_name in (${PURCHASE})
    and se.test_event_code is null
),
-- one row per order: its first server-leg event (by event time, else receipt), else its first event
s as (
  select distinct on (order_id)
         order_id, event_id, event_name, t,
         has_email, has_phone, has_external_id, has_ttclid, has_ttp, has_ip, has_user_agent,
         bool_or(is_leg) over w as has_leg,
         bool_or(failed) over w as any_failed
  from sev
  window w as (partition by order_id)
  order by order_id, is_leg desc, t, id
),
po0 as (
  select
    o.attribution in (${list(ATTRIBUTABLE)}) as is_a,
    o.attribution,
    o.days_to_conversion as dtc,
    b.order_id is not null as has_beacon,
    coalesce(b.has_leg, false) as has_b,
    coalesce(s.has_leg, false) as has_s,
    coalesce(s.order_id is not null and not s.has_leg and s.any_failed, false) as s_failed_only,
    coalesce(b.any_denied, false) as any_denied,
    coalesce(b.any_blocked, false) as any_blocked,
    coalesce(b.any_slow, false) as any_slow,
    b.event_id as b_event_id, b.received_at as b_time, b.has_ttclid as b_has_ttclid, b.page_load_ms,
    case when b.event_name = 'CompletePayment' then 'Purchase' else b.event_name end as b_name,
    s.event_id as s_event_id, s.t as s_time,
    case when s.event_name = 'CompletePayment' then 'Purchase' else s.event_name end as s_name,
    coalesce(s.has_email, false) as s_email, coalesce(s.has_phone, false) as s_phone,
    coalesce(s.has_external_id, false) as s_external_id, coalesce(s.has_ttclid, false) as s_ttclid,
    coalesce(s.has_ttp, false) as s_ttp, coalesce(s.has_ip, false) as s_ip,
    coalesce(s.has_user_agent, false) as s_user_agent,
    -- browser and OS: the beacon's when it has them, else the order's (each as a name+major pair)
    case when b.browser is not null then b.browser else o.browser end as eff_browser,
    case when b.browser is not null then b.browser_major else o.browser_major end as eff_browser_major,
    case when b.os is not null then b.os else o.os end as eff_os,
    case when b.os is not null then b.os_major else o.os_major end as eff_os_major
  from o
  left join b on b.order_id = o.platform_id
  left join s on s.order_id = o.platform_id
),
po1 as (
  select po0.*,
    coalesce(eff_browser ilike '%safari%', false) as is_safari,
    coalesce(lower(eff_os) in ('ios', 'ipados'), false) as is_ios,
    coalesce(lower(eff_os) in ('macos', 'mac os', 'mac os x', 'os x'), false) as is_macos,
    (has_b and has_s and b_event_id = s_event_id) as same_id,
    (has_b and has_s and b_event_id = s_event_id and b_name = s_name
       and abs(extract(epoch from (s_time - b_time))) <= ${DEDUP_WINDOW_SECONDS}) as deduped
  from po0
),
po as (
  select po1.*,
    case when not (has_b and has_s) or deduped then null
         when b_event_id is null or s_event_id is null then 'event_id_missing'
         when b_event_id <> s_event_id then 'event_id_mismatch'
         when b_name <> s_name then 'event_name_mismatch'
         else 'outside_48h' end as dc_reason,
    case when has_b then null
         when any_denied then 'consent_denied'
         when any_blocked then 'ad_blocker'
         when any_slow then 'slow_page'
         when not has_beacon then 'no_confirmation_view'
         else 'pixel_not_fired' end as cause,
    (has_b and attribution = 'utm' and b_has_ttclid is false
       and is_safari and (is_ios or is_macos)
       and coalesce(eff_browser_major, case when is_ios then eff_os_major end) >= ${LTP_SAFARI_MAJOR}) as click_id_stripped,
    (has_b and (is_safari or is_ios) and coalesce(dtc >= ${ITP_COOKIE_DAYS}, false)) as cookie_truncated,
    coalesce(eff_browser, 'unknown') as seg_browser,
    case when eff_os is null then 'unknown'
         when eff_os_major is null then eff_os
         else eff_os || ' ' || eff_os_major end as seg_os,
    case when dtc is null then 'unknown'
         when dtc <= 0 then '0'
         when dtc <= 6 then '1-6'
         when dtc <= 29 then '7-29'
         else '30+' end as seg_dtc,
    case when not has_beacon then 'no beacon'
         when page_load_ms is null then 'unknown'
         when page_load_ms < ${FAST_PAGE_MS} then '<2s'
         when page_load_ms <= ${SLOW_PAGE_MS} then '2-5s'
         else '>5s' end as seg_load
  from po1
)
select
  case when grouping(seg_browser) = 0 then 'browser'
       when grouping(seg_os) = 0 then 'os'
       when grouping(seg_dtc) = 0 then 'days_to_conversion'
       when grouping(seg_load) = 0 then 'page_load'
       else 'total' end as dim,
  coalesce(seg_browser, seg_os, seg_dtc, seg_load) as seg,
  ${COUNT_COLUMNS}
from po
group by grouping sets ((), (seg_browser), (seg_os), (seg_dtc), (seg_load))`,
  );
}

export interface EventAggregateRow {
  /** Live server purchase events (incl. near-miss names) of orders in O, any delivery. */
  events: number;
  /** …with at least one lint code that is not a warning. */
  events_with_error: number;
  /** …with any lint code. */
  events_with_code: number;
  /** Test events (test_event_code set) of orders in O, excluded everywhere. */
  test_events: number;
  /** JSON object code → number of events carrying it. */
  by_code: string;
  /** Live purchase server events whose event_time is in the window but link to no order of the store. */
  unlinked_server: number;
  /** Purchase beacons received in the window that link to no order of the store. */
  unlinked_browser: number;
}

/** Normalization (lint) counts over server-leg purchase events, and events linked to no order. */
export async function eventAggregates(db: Db, p: WindowParams): Promise<EventAggregateRow> {
  const start = sql`${p.start.toISOString()}::timestamptz`;
  const end = sql`${p.end.toISOString()}::timestamptz`;
  const [row] = await selectRows<EventAggregateRow>(
    db,
    sql`
with o as (${inScopeOrders(p)}),
ev as (
  select se.id, se.lint_codes, se.test_event_code is not null as is_test
  from server_events se
  where se.store_id = ${p.storeId}
    and se.order_id in (select platform_id from o)
    and (se.event_name in (${PURCHASE}) or 'event_name_nonstandard' = any(se.lint_codes))
),
live as (select id, lint_codes from ev where not is_test),
codes as (
  select u.code, count(*)::int as n
  from live cross join lateral (select distinct unnest(live.lint_codes) as code) u
  group by u.code
)
select
  (select count(*)::int from live) as events,
  (select count(*)::int from live
     where cardinality(lint_codes) > 0 and not (lint_codes <@ ${textArray(WARNING_LINT_CODES)})) as events_with_error,
  (select count(*)::int from live where cardinality(lint_codes) > 0) as events_with_code,
  (select count(*)::int from ev where is_test) as test_events,
  (select coalesce(json_object_agg(code, n order by code), '{}'::json)::text from codes) as by_code,
  (select count(*)::int from server_events se
     where se.store_id = ${p.storeId}
       and se.event_time >= ${start} and se.event_time < ${end}
       and se.event_name in (${PURCHASE})
       and se.test_event_code is null
       and (se.order_id is null
            or not exists (select 1 from orders x where x.store_id = ${p.storeId} and x.platform_id = se.order_id))
  ) as unlinked_server,
  (select count(*)::int from browser_events be
     where be.store_id = ${p.storeId}
       and be.received_at >= ${start} and be.received_at < ${end}
       and be.event_name in (${PURCHASE})
       and (be.order_id is null
            or not exists (select 1 from orders x where x.store_id = ${p.storeId} and x.platform_id = be.order_id))
  ) as unlinked_browser`,
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
