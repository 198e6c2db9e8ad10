/**
 * The subset of Shopify's search syntax the fake understands: whitespace-separated terms joined by
 * AND, each `field<comparator>value` with comparators `:` `:<` `:>` `:<=` `:>=` and values bare or
 * quoted. Unknown fields are ignored with a search warning, as Shopify does. OR, NOT and
 * parentheses are refused loudly rather than answered wrongly.
 */

export type Comparator = ':' | ':<' | ':>' | ':<=' | ':>=';

export interface SearchTerm {
  field: string;
  comparator: Comparator;
  value: string;
}

export interface SearchWarning {
  field: string;
  message: string;
}

export class UnsupportedSearchError extends Error {}

export interface SearchableOrder {
  processedAt: Date;
  createdAt: Date;
  updatedAt: Date;
  test: boolean;
  sourceName: string;
}

const DATE_FIELDS = { processed_at: 'processedAt', created_at: 'createdAt', updated_at: 'updatedAt' } as const;

const TERM = /^([a-z_]+)(:<=|:>=|:<|:>|:)(.+)$/;

export function parseSearchQuery(query: string): {
  filter: (order: SearchableOrder) => boolean;
  warnings: SearchWarning[];
} {
  const warnings: SearchWarning[] = [];
  const predicates: ((order: SearchableOrder) => boolean)[] = [];
  for (const token of tokenize(query)) {
    if (/^(OR|AND|NOT)$/.test(token) || token.startsWith('-') || token.startsWith('(')) {
      if (token === 'AND') continue;
      throw new UnsupportedSearchError(`the fake Shopify supports only AND-ed terms, not "${token}"`);
    }
    const match = TERM.exec(token);
    if (!match) {
      warnings.push({ field: 'default', message: `Free-text search is not supported by the fake: "${token}".` });
      continue;
    }
    const [, field, comparator, rawValue] = match as unknown as [string, string, Comparator, string];
    const predicate = predicateFor({ field, comparator, value: unquote(rawValue) });
    if (typeof predicate === 'string') warnings.push({ field, message: predicate });
    else predicates.push(predicate);
  }
  return { filter: (order) => predicates.every((p) => p(order)), warnings };
}

function predicateFor(term: SearchTerm): ((order: SearchableOrder) => boolean) | string {
  if (term.field in DATE_FIELDS) {
    const key = DATE_FIELDS[term.field as keyof typeof DATE_FIELDS];
    const bound = Date.parse(term.value);
    if (Number.isNaN(bound)) return `Invalid date "${term.value}".`;
    return (order) => compare(order[key].getTime(), term.comparator, bound);
  }
  if (term.field === 'test' && term.comparator === ':') {
    const wanted = term.value.toLowerCase() === 'true';
    return (order) => order.test === wanted;
  }
  if (term.field === 'source_name' && term.comparator === ':') {
    return (order) => order.sourceName === term.value;
  }
  return 'Invalid search field for this query.';
}

function compare(actual: number, comparator: Comparator, bound: number): boolean {
  switch (comparator) {
    case ':':
      return actual === bound;
    case ':<':
      return actual < bound;
    case ':>':
      return actual > bound;
    case ':<=':
      return actual <= bound;
    case ':>=':
      return actual >= bound;
  }
}

/** Splits on whitespace outside quotes. */
function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const char of query) {
    if (quote) {
      current += char;
      if (char === quote) quote = null;
    } else if (char === "'" || char === '"') {
      current += char;
      quote = char;
    } else if (/\s/.test(char)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (quote) throw new UnsupportedSearchError(`unterminated quote in search "${query}"`);
  if (current) tokens.push(current);
  return tokens;
}

function unquote(value: string): string {
  const first = value[0];
  return (first === "'" || first === '"') && value.endsWith(first) && value.length >= 2 ? value.slice(1, -1) : value;
}
