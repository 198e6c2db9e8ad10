import * as q from '@/db/queries/stores';
import {
  createStore,
  parseSecretName,
  requireStore,
  rotateIngestKey,
  setStoreSecret,
  storeView,
  updateStoreSettings,
  SETTABLE_KEYS,
  type StoreView,
} from '@/lib/stores';
import { SECRET_NAMES } from '@/db/schema';
import { optionalString, requireOption, UsageError, type Command } from '../command';
import { printJson, printTable, type CliIo } from '../io';

function printStore(io: CliIo, view: StoreView & { secrets?: string[] }) {
  const width = Math.max(...Object.keys(view).map((k) => k.length));
  for (const [k, v] of Object.entries(view)) {
    io.out(`${k.padEnd(width)}  ${Array.isArray(v) ? v.join(', ') || '-' : (v ?? '-')}\n`);
  }
}

function printNewKey(io: CliIo, view: StoreView, ingestKey: string) {
  io.out(`\ningest key  ${ingestKey}\n`);
  io.out('  Shown once: keep it in your secret store. It authenticates the order API and the relay\n');
  io.out(`  (X-Signalwatch-Key). The beacon uses the public key instead: data-store="${view.public_key}".\n`);
}

const add: Command = {
  name: 'store add',
  summary: 'Add a store (prints its ingest key once)',
  usage:
    '--name N [--id SLUG] --platform shopify|woocommerce|custom [--shop-domain x.myshopify.com] [--base-url URL] ' +
    '--timezone TZ --currency CUR [--phone-country CC] [--pixel-code CODE] [--advertiser-id ID] ' +
    "[--event-id-template '{order_id}'] [--relay-mode forward|fix|observe] [--retention-days 30] [--json]",
  help:
    'The id defaults to a slug of the name. --base-url is where the platform API is reached\n' +
    '(default https://<shop-domain> for Shopify). --phone-country is the default country for national phone numbers.',
  options: {
    name: { type: 'string' },
    id: { type: 'string' },
    platform: { type: 'string' },
    'shop-domain': { type: 'string' },
    'base-url': { type: 'string' },
    timezone: { type: 'string' },
    currency: { type: 'string' },
    'phone-country': { type: 'string' },
    'pixel-code': { type: 'string' },
    'advertiser-id': { type: 'string' },
    'event-id-template': { type: 'string' },
    'relay-mode': { type: 'string' },
    'retention-days': { type: 'string' },
    json: { type: 'boolean' },
  },
  needsDb: true,
  async run(ctx) {
    const { db } = await ctx.db();
    const opt = (n: string) => optionalString(ctx, n);
    const { store, ingestKey } = await createStore(db, {
      name: requireOption(ctx, 'name'),
      id: opt('id'),
      platform: requireOption(ctx, 'platform') as never,
      shop_domain: opt('shop-domain'),
      base_url: opt('base-url'),
      timezone: requireOption(ctx, 'timezone'),
      currency: requireOption(ctx, 'currency'),
      phone_country: opt('phone-country'),
      pixel_code: opt('pixel-code'),
      advertiser_id: opt('advertiser-id'),
      event_id_template: opt('event-id-template'),
      relay_mode: opt('relay-mode') as never,
      retention_days: opt('retention-days') as never,
    });
    if (ctx.values.json) {
      printJson(ctx.io, { ...store, ingest_key: ingestKey });
    } else {
      ctx.io.out(`Added store ${store.id}\n\n`);
      printStore(ctx.io, store);
      printNewKey(ctx.io, store, ingestKey);
    }
    return 0;
  },
};

const list: Command = {
  name: 'store list',
  summary: 'List stores',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const { db } = await ctx.db();
    const views = (await q.listStores(db)).map(storeView);
    if (ctx.values.json) printJson(ctx.io, views);
    else if (views.length === 0) ctx.io.out('No stores yet. Add one with `signalwatch store add --help`.\n');
    else printTable(ctx.io, views as never, ['id', 'name', 'platform', 'shop_domain', 'timezone', 'currency', 'pixel_code', 'relay_mode']);
    return 0;
  },
};

const show: Command = {
  name: 'store show',
  summary: "Show a store's settings (never its secrets)",
  usage: 'ID [--json]',
  options: { json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const id = ctx.args[0];
    if (!id) throw new UsageError('store id required');
    const { db } = await ctx.db();
    const store = await requireStore(db, id);
    const secrets = (await q.listStoreSecretNames(db, id)).map((s) => s.name);
    const view = { ...storeView(store), secrets };
    if (ctx.values.json) printJson(ctx.io, view);
    else printStore(ctx.io, view);
    return 0;
  },
};

const set: Command = {
  name: 'store set',
  summary: 'Change store settings',
  usage: 'ID key=value [key=value …]',
  help: `Keys: ${SETTABLE_KEYS.join(', ')}. An empty value clears an optional setting.`,
  options: { json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const [id, ...pairs] = ctx.args;
    if (!id || pairs.length === 0) throw new UsageError('store id and at least one key=value required');
    const assignments: Record<string, string> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`"${pair}" is not key=value`);
      assignments[pair.slice(0, eq).replace(/-/g, '_')] = pair.slice(eq + 1);
    }
    const { db } = await ctx.db();
    const view = await updateStoreSettings(db, id, assignments);
    if (ctx.values.json) printJson(ctx.io, view);
    else ctx.io.out(`Updated ${Object.keys(assignments).join(', ')} of store ${view.id}\n`);
    return 0;
  },
};

const rotateKey: Command = {
  name: 'store rotate-key',
  summary: "Replace a store's ingest key (the old one stops working)",
  usage: 'ID [--json]',
  options: { json: { type: 'boolean' } },
  needsDb: true,
  async run(ctx) {
    const id = ctx.args[0];
    if (!id) throw new UsageError('store id required');
    const { db } = await ctx.db();
    const { store, ingestKey } = await rotateIngestKey(db, id);
    if (ctx.values.json) printJson(ctx.io, { id: store.id, name: store.name, ingest_key: ingestKey, public_key: store.public_key });
    else {
      ctx.io.out(`Rotated the ingest key of ${store.id}; the previous key no longer works.\n`);
      printNewKey(ctx.io, store, ingestKey);
    }
    return 0;
  },
};

const secret: Command = {
  name: 'store secret',
  summary: 'Store a credential, read from stdin (encrypted at rest, never printed)',
  usage: 'ID NAME < value',
  help: `NAME: ${SECRET_NAMES.join(', ')}.\nExample: printf %s "$TOKEN" | signalwatch store secret my-shop tiktok_events_token`,
  needsDb: true,
  readsStdin: true,
  async run(ctx) {
    const [id, name] = ctx.args;
    if (!id || !name) throw new UsageError('store id and secret name required');
    parseSecretName(name); // before waiting on stdin
    const value = await ctx.io.readStdin();
    const { db } = await ctx.db();
    await setStoreSecret(db, id, name, value);
    ctx.io.out(`Stored ${name} for ${id}.\n`);
    return 0;
  },
};

export const storeCommands = [add, list, show, set, rotateKey, secret];
