/** `sync tiktok`, `counts` and `events`: what TikTok counted, and what each leg recorded. */
import { listBrowserEvents, type BrowserEvent } from '@/db/queries/browser-events';
import { listServerEvents, type ServerEventRow } from '@/db/queries/server-events';
import { listTikTokDailyCounts } from '@/db/queries/tiktok-counts';
import { MATCH_KEYS } from '@/db/schema';
import { env } from '@/lib/config/env';
import { requireStore } from '@/lib/stores';
import { syncTikTokCounts } from '@/lib/tiktok/counts-sync';
import { optionalString, requireOption, UsageError, type Command } from '../command';
import { dayWindow, storeAndWindow, windowOptions } from '../dates';
import { printJson, printTable, progress } from '../io';

const DAY_MS = 86_400_000;

const syncTikTok: Command = {
  name: 'sync tiktok',
  summary: "Read TikTok's daily purchase counts (pixel event stats) for a store",
  usage: '--store S --from YYYY-MM-DD --to YYYY-MM-DD [--json]',
  help:
    'Reads each UTC day from --from to --to (both inclusive, not after today) with one stats request, and\n' +
    'stores total, browser, server and attributed purchases per day; a day read again is replaced.\n' +
    'Needs the store\'s pixel_code and advertiser_id (`store set`) and its tiktok_marketing_token\n' +
    '(`store secret`). TikTok is reached at TIKTOK_API_BASE_URL. Exit 1 when a day could not be read.\n' +
    '--json prints {"store","from","to","days","fetched","failed_days":[{"day","reason"}]}.',
  options: { store: { type: 'string' }, ...windowOptions, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const { db, store, window: w } = await storeAndWindow(ctx);
    const bar = progress(ctx.io, `tiktok ${store.id}`, Math.round((w.end.getTime() - w.start.getTime()) / DAY_MS));
    const summary = await syncTikTokCounts(db, store, {
      from: w.from,
      to: w.to,
      baseUrl: env().TIKTOK_API_BASE_URL,
      onProgress: (e) => bar.update(e.done, `${e.day} ${e.ok ? 'ok' : 'FAILED'}`),
    });
    bar.done(`${summary.fetched}/${summary.days} day(s)`);
    if (ctx.values.json) {
      printJson(ctx.io, {
        store: summary.store,
        from: summary.from,
        to: summary.to,
        days: summary.days,
        fetched: summary.fetched,
        failed_days: summary.failedDays,
      });
    } else {
      ctx.io.out(`${summary.store} ${summary.from}..${summary.to}: fetched ${summary.fetched} of ${summary.days} day(s)\n`);
      for (const f of summary.failedDays) ctx.io.out(`  NOT fetched: ${f.day}: ${f.reason}\n`);
      ctx.io.out(`See them with \`signalwatch counts --store ${summary.store} --from ${summary.from} --to ${summary.to}\`.\n`);
    }
    return summary.failedDays.length ? 1 : 0;
  },
};

const counts: Command = {
  name: 'counts',
  summary: 'Show the purchase counts TikTok reported per UTC day',
  usage: '--store S --from YYYY-MM-DD --to YYYY-MM-DD [--json]',
  help:
    'Days that were never read (see `signalwatch sync tiktok`) are left out. --json prints\n' +
    '[{"day","total","browser","server","attributed","fetched_at"}].',
  options: { store: { type: 'string' }, ...windowOptions, json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const { db, store, window: w } = await storeAndWindow(ctx);
    const rows = (await listTikTokDailyCounts(db, { storeId: store.id, from: w.from, to: w.to })).map((r) => ({
      day: r.day,
      total: r.total,
      browser: r.browser,
      server: r.server,
      attributed: r.attributed,
      fetched_at: r.fetchedAt.toISOString(),
    }));
    if (ctx.values.json) printJson(ctx.io, rows);
    else {
      printTable(ctx.io, rows);
      const days = Math.round((w.end.getTime() - w.start.getTime()) / DAY_MS);
      const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((acc, r) => acc + pick(r), 0);
      ctx.io.out(
        `${rows.length} of ${days} day(s) read: ${sum((r) => r.total)} purchases ` +
          `(${sum((r) => r.browser)} browser, ${sum((r) => r.server)} server, ${sum((r) => r.attributed)} attributed)\n`,
      );
      if (rows.length < days) ctx.io.out(`Read the missing days with \`signalwatch sync tiktok --store ${store.id} --from ${w.from} --to ${w.to}\`.\n`);
    }
    return 0;
  },
};

const DEFAULT_EVENTS_LIMIT = 100;
const MAX_EVENTS_LIMIT = 10_000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function serverRow(e: ServerEventRow) {
  const has: Record<(typeof MATCH_KEYS)[number], boolean> = {
    email: e.hasEmail,
    phone: e.hasPhone,
    external_id: e.hasExternalId,
    ttclid: e.hasTtclid,
    ttp: e.hasTtp,
    ip: e.hasIp,
    user_agent: e.hasUserAgent,
  };
  return {
    event: e.eventName,
    event_id: e.eventId,
    order_id: e.orderId,
    time: iso(e.eventTime),
    received_at: iso(e.receivedAt),
    keys: MATCH_KEYS.filter((k) => has[k]),
    lint_codes: e.lintCodes,
    fixes: e.fixes,
    tiktok_code: e.tiktokCode,
    delivery: e.delivery,
  };
}

function browserRow(e: BrowserEvent) {
  return {
    event: e.eventName,
    event_id: e.eventId,
    order_id: e.orderId,
    time: iso(e.receivedAt),
    pixel_loaded: e.pixelLoaded,
    pixel_tracked: e.pixelTracked,
    probe_ok: e.probeOk,
    page_load_ms: e.pageLoadMs,
    left_before_send: e.leftBeforeSend,
    consent: e.consent,
    has_ttclid: e.hasTtclid,
    has_ttp: e.hasTtp,
    browser: e.browser,
    browser_major: e.browserMajor,
    os: e.os,
    os_major: e.osMajor,
  };
}

const withMajor = (name: string | null, major: number | null) => (name && major !== null ? `${name} ${major}` : name);

const events: Command = {
  name: 'events',
  summary: 'List the purchase events one leg recorded (browser beacons or server events)',
  usage: '--store S --leg browser|server [--from YYYY-MM-DD --to YYYY-MM-DD] [--limit N] [--json]',
  help:
    'The window (both inclusive, UTC) is on arrival time. --limit defaults to 100 (at most 10,000): the\n' +
    'latest N of the window are shown, in time order.\n' +
    '--json, server leg: [{"event","event_id","order_id","time","received_at","keys","lint_codes","fixes",\n' +
    '"tiktok_code","delivery"}] (time is the event_time the sender gave; keys are the match keys present).\n' +
    '--json, browser leg: [{"event","event_id","order_id","time","pixel_loaded","pixel_tracked","probe_ok",\n' +
    '"page_load_ms","left_before_send","consent","has_ttclid","has_ttp","browser","browser_major","os","os_major"}].',
  options: {
    store: { type: 'string' },
    leg: { type: 'string' },
    ...windowOptions,
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  needsDb: true,
  async run(ctx) {
    const storeId = requireOption(ctx, 'store');
    const leg = requireOption(ctx, 'leg');
    if (leg !== 'browser' && leg !== 'server') throw new UsageError(`--leg must be browser or server (got "${leg}")`);
    const limitText = optionalString(ctx, 'limit');
    const limit = limitText === undefined ? DEFAULT_EVENTS_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS_LIMIT) {
      throw new UsageError(`--limit must be a whole number from 1 to ${MAX_EVENTS_LIMIT} (got "${limitText}")`);
    }
    const w = optionalString(ctx, 'from') || optionalString(ctx, 'to') ? dayWindow(ctx, { days: 1 }) : undefined;
    const { db } = await ctx.db();
    await requireStore(db, storeId);
    const query = { storeId, from: w?.start, to: w?.end, limit };

    // Both queries return the newest N; shown in time order.
    if (leg === 'server') {
      const rows = (await listServerEvents(db, query)).reverse().map(serverRow);
      if (ctx.values.json) printJson(ctx.io, rows);
      else {
        printTable(
          ctx.io,
          rows.map((r) => ({ ...r, keys: r.keys.join(','), lint_codes: r.lint_codes.join(','), fixes: r.fixes.join(',') })),
          ['time', 'event', 'event_id', 'order_id', 'keys', 'lint_codes', 'fixes', 'tiktok_code', 'delivery'],
        );
        footer(rows.length);
      }
    } else {
      const rows = (await listBrowserEvents(db, query)).reverse().map(browserRow);
      if (ctx.values.json) printJson(ctx.io, rows);
      else {
        printTable(
          ctx.io,
          rows.map((r) => ({ ...r, browser: withMajor(r.browser, r.browser_major), os: withMajor(r.os, r.os_major) })),
          ['time', 'event', 'event_id', 'order_id', 'pixel_loaded', 'pixel_tracked', 'probe_ok', 'page_load_ms', 'left_before_send', 'consent', 'has_ttclid', 'has_ttp', 'browser', 'os'],
        );
        footer(rows.length);
      }
    }
    return 0;

    function footer(shown: number) {
      ctx.io.out(`${shown} ${leg} event(s)${shown === limit ? ` (the --limit; narrow with --from/--to or raise --limit)` : ''}\n`);
    }
  },
};

export const tiktokCommands = [syncTikTok, counts, events];
