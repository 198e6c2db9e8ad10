import { readFileSync } from 'node:fs';
import { migrate } from '@/db/migrate';
import { hashMatchKey, lintEventsBody, type HashableField } from '@/lib/identity';
import { UsageError, type Command } from '../command';
import { printJson } from '../io';

const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Apply database migrations (the app also does this at start)',
  usage: '',
  needsDb: true,
  async run(ctx) {
    const applied = await migrate(await ctx.db());
    ctx.io.out(applied.length ? `Applied ${applied.join(', ')}\n` : 'Database is up to date.\n');
    return 0;
  },
};

const FIELDS = ['email', 'phone', 'external_id'] as const;

const hash: Command = {
  name: 'hash',
  summary: 'Normalize and SHA-256 a match key the way TikTok expects',
  usage: '<email|phone|external_id> <value> [--country CC]',
  help:
    'Prints {"field","normalized","sha256","issues"}; issues list what was wrong with the raw value.\n' +
    'A value that is already a SHA-256 passes through ("normalized": null). --country is the default\n' +
    'country for national phone numbers. Exit 1 with {"error":{…}} when the value cannot be normalized.',
  options: { country: { type: 'string' } },
  needsDb: false,
  async run(ctx) {
    const [field, value] = ctx.args;
    if (!field || value === undefined || ctx.args.length > 2) throw new UsageError('expected a field and one value');
    if (!(FIELDS as readonly string[]).includes(field)) throw new UsageError(`field must be one of ${FIELDS.join(', ')}`);
    const country = typeof ctx.values.country === 'string' ? ctx.values.country : undefined;
    const result = hashMatchKey(field as HashableField, value, { country });
    if (!result.ok) {
      printJson(ctx.io, { error: { code: result.code, message: result.message } });
      return 1;
    }
    printJson(ctx.io, { field: result.field, normalized: result.normalized, sha256: result.sha256, issues: result.issues });
    return 0;
  },
};

const lint: Command = {
  name: 'lint',
  summary: 'Check an Events API 2.0 request body for match-key and event errors',
  usage: '<file|->',
  help: 'Exit 0 when there are no errors (warnings allowed), 1 when there are, 2 when the input is not readable JSON.',
  needsDb: false,
  async run(ctx) {
    const source = ctx.args[0];
    if (!source) throw new UsageError('a file path, or - for stdin, is required');
    let text: string;
    try {
      text = source === '-' ? await ctx.io.readStdin() : readFileSync(source, 'utf8');
    } catch (err) {
      printJson(ctx.io, { error: { code: 'unreadable_input', message: `cannot read ${source}: ${(err as Error).message}` } });
      return 2;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      printJson(ctx.io, { error: { code: 'invalid_json', message: `${source} is not valid JSON: ${(err as Error).message}` } });
      return 2;
    }
    const report = lintEventsBody(body);
    printJson(ctx.io, report);
    return report.ok ? 0 : 1;
  },
};

export const basicCommands = [migrateCommand, hash, lint];
