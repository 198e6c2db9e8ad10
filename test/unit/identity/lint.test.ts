import { describe, expect, it } from 'vitest';
import {
  ISSUE_CODES,
  lintEvent,
  lintEventsBody,
  lintMatchKey,
  lintMatchKeyValue,
  matchKeysPresent,
  sha256Hex,
  suggestEventName,
  type Issue,
  type IssueCode,
} from '@/lib/identity';

const H_EMAIL = sha256Hex('janedoe@gmail.com');
const H_PHONE = sha256Hex('+12133734253');
const H_EXT = sha256Hex('user_123');

function goodEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'CompletePayment',
    event_time: 1763800000,
    event_id: '5551234567-completepayment',
    user: {
      email: H_EMAIL,
      phone: H_PHONE,
      external_id: H_EXT,
      ttclid: 'E.C.P.abc',
      ttp: '2F7h37YkS1j57AYSKTI7IHhJPYH',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      locale: 'en-US',
    },
    properties: {
      currency: 'USD',
      value: 59.45,
      content_type: 'product',
      contents: [{ content_id: 'SKU-1', quantity: 1, price: 59.45 }],
      order_id: '5551234567',
    },
    page: { url: 'https://shop.example/checkouts/thank_you', referrer: '' },
    limited_data_use: false,
    ...over,
  };
}

function goodBody(over: Record<string, unknown> = {}, events: unknown[] = [goodEvent()]): Record<string, unknown> {
  return { event_source: 'web', event_source_id: 'CABC123XYZ0987654321', data: events, ...over };
}

const codes = (issues: Issue[]) => issues.map((i) => i.code);
const eventWith = (over: Record<string, unknown>) => lintEventsBody(goodBody({}, [goodEvent(over)]));
const userWith = (over: Record<string, unknown>) => eventWith({ user: { ...(goodEvent().user as object), ...over } });

describe('the reference example body', () => {
  it('is clean', () => {
    expect(lintEventsBody(goodBody())).toEqual({ ok: true, events: 1, issues: [] });
  });
});

describe('lintMatchKeyValue', () => {
  const code = (field: 'email' | 'phone' | 'external_id', v: unknown) => lintMatchKeyValue(field, v)?.code ?? null;

  it('accepts lowercase SHA-256 in every field, and absent values', () => {
    expect(code('email', H_EMAIL)).toBeNull();
    expect(code('phone', H_PHONE)).toBeNull();
    expect(code('external_id', H_EXT)).toBeNull();
    expect(code('email', undefined)).toBeNull();
    expect(code('phone', null)).toBeNull();
  });

  it.each([
    ['email', 'janedoe@gmail.com', 'unhashed_email'],
    ['email', ' ALICE_abc@gmail.com ', 'unhashed_email'],
    ['external_id', 'jane@x.com', 'unhashed_email'],
    ['phone', '+12133734253', 'unhashed_phone'],
    ['phone', '12133734253', 'unhashed_phone'],
    ['phone', '(+1)2133734253', 'unhashed_phone'],
    ['phone', '+1 (213) 373-4253', 'unhashed_phone'],
    ['phone', '07700 900123', 'unhashed_phone'],
    ['phone', 12133734253, 'unhashed_phone'],
    ['email', '2133734253', 'unhashed_phone'],
    ['external_id', '+12133734253', 'unhashed_phone'],
    ['external_id', 'user_123', 'unhashed_external_id'],
    ['external_id', '123456789', 'unhashed_external_id'],
    ['external_id', 42, 'unhashed_external_id'],
    ['external_id', '1234567890123456789012345', 'unhashed_external_id'],
    ['email', H_EMAIL.toUpperCase(), 'uppercase_hex'],
    ['phone', H_PHONE.slice(0, 10) + H_PHONE.slice(10).toUpperCase(), 'uppercase_hex'],
    ['email', 'd41d8cd98f00b204e9800998ecf8427e', 'wrong_hash_length'], // MD5
    ['phone', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', 'wrong_hash_length'], // SHA-1
    ['external_id', 'D41D8CD98F00B204E9800998ECF8427E', 'wrong_hash_length'],
    ['email', H_EMAIL.slice(1), 'wrong_hash_length'],
    ['email', H_EMAIL + 'a', 'wrong_hash_length'],
    ['email', sha256Hex(''), 'hash_of_empty'],
    ['phone', sha256Hex('+'), 'hash_of_empty'],
    ['email', sha256Hex('undefined'), 'hash_of_empty'],
    ['email', sha256Hex('null'), 'hash_of_empty'],
    ['external_id', sha256Hex('[object Object]'), 'hash_of_empty'],
    ['email', sha256Hex('[object object]'), 'hash_of_empty'],
    ['phone', sha256Hex('NaN'), 'hash_of_empty'],
    ['external_id', sha256Hex('none'), 'hash_of_empty'],
    ['external_id', sha256Hex('0'), 'hash_of_empty'],
    ['phone', sha256Hex(' '), 'hash_of_empty'],
    ['phone', sha256Hex('+1'), 'hash_of_empty'],
    ['email', sha256Hex('').toUpperCase(), 'hash_of_empty'],
    ['email', '', 'empty_value'],
    ['phone', '  ', 'empty_value'],
    ['external_id', 'undefined', 'empty_value'],
    ['email', 'null', 'empty_value'],
    ['email', 'janedoe', 'not_sha256'],
    ['phone', 'call me', 'not_sha256'],
    ['email', 123, 'not_sha256'],
    ['email', true, 'not_sha256'],
    ['phone', { number: '+1' }, 'not_sha256'],
    ['email', ` ${H_EMAIL}`, 'not_sha256'],
  ] as const)('%s %j → %s', (field, value, expected) => {
    expect(code(field, value)).toBe(expected);
  });

  it('messages never contain the raw value', () => {
    for (const [field, v] of [['email', 'secret.person@example.com'], ['phone', '+44 7700 900123'], ['external_id', 'cust-secret-77']] as const) {
      const f = lintMatchKeyValue(field, v);
      const issue = lintMatchKey(field, v, 'p')[0];
      expect(f).not.toBeNull();
      expect(issue.message).not.toContain(v);
    }
  });
});

describe('lintMatchKey with arrays', () => {
  it('lints each item with its index in the path', () => {
    const issues = lintMatchKey('email', [H_EMAIL, 'jane@x.com', H_EMAIL.toUpperCase()], 'data[0].user.email');
    expect(issues.map((i) => [i.code, i.path, i.severity])).toEqual([
      ['unhashed_email', 'data[0].user.email[1]', 'error'],
      ['uppercase_hex', 'data[0].user.email[2]', 'warning'],
    ]);
  });

  it('an array of good hashes is clean; an empty array is nothing', () => {
    expect(lintMatchKey('phone', [H_PHONE, sha256Hex('+447700900123')], 'x')).toEqual([]);
    expect(lintMatchKey('phone', [], 'x')).toEqual([]);
  });

  it('inside a body', () => {
    const r = userWith({ phone: [H_PHONE, '+12133734253'], external_id: ['user_1', H_EXT] });
    expect(r.ok).toBe(false);
    expect(r.issues.map((i) => [i.code, i.path])).toEqual([
      ['unhashed_phone', 'data[0].user.phone[1]'],
      ['unhashed_external_id', 'data[0].user.external_id[0]'],
    ]);
  });
});

describe('matchKeysPresent', () => {
  it('all keys present on the reference event', () => {
    expect(matchKeysPresent(goodEvent().user)).toEqual({
      email: true,
      phone: true,
      external_id: true,
      ttclid: true,
      ttp: true,
      ip: true,
      user_agent: true,
    });
  });

  it('nothing for a missing or non-object user', () => {
    const none = { email: false, phone: false, external_id: false, ttclid: false, ttp: false, ip: false, user_agent: false };
    expect(matchKeysPresent(undefined)).toEqual(none);
    expect(matchKeysPresent('x')).toEqual(none);
    expect(matchKeysPresent([])).toEqual(none);
    expect(matchKeysPresent({})).toEqual(none);
  });

  it('hashed keys need a well-formed, non-placeholder SHA-256', () => {
    expect(matchKeysPresent({ email: 'jane@x.com' }).email).toBe(false);
    expect(matchKeysPresent({ email: sha256Hex('') }).email).toBe(false);
    expect(matchKeysPresent({ email: 'd41d8cd98f00b204e9800998ecf8427e' }).email).toBe(false);
    expect(matchKeysPresent({ email: H_EMAIL.toUpperCase() }).email).toBe(true);
    expect(matchKeysPresent({ phone: ['+12133734253', H_PHONE] }).phone).toBe(true);
    expect(matchKeysPresent({ phone: ['+12133734253', sha256Hex('+')] }).phone).toBe(false);
    expect(matchKeysPresent({ external_id: 123 }).external_id).toBe(false);
  });

  it('raw keys need a non-empty, non-placeholder string; ip must parse', () => {
    expect(matchKeysPresent({ ttclid: '', ttp: 'undefined', user_agent: '  ' })).toMatchObject({ ttclid: false, ttp: false, user_agent: false });
    expect(matchKeysPresent({ ttclid: 42 }).ttclid).toBe(false);
    expect(matchKeysPresent({ ip: '2001:db8::1' }).ip).toBe(true);
    expect(matchKeysPresent({ ip: '203.0.113.7' }).ip).toBe(true);
    expect(matchKeysPresent({ ip: '999.0.113.7' }).ip).toBe(false);
    expect(matchKeysPresent({ ip: 'localhost' }).ip).toBe(false);
    expect(matchKeysPresent({ ip: '' }).ip).toBe(false);
  });
});

describe('body-level codes', () => {
  it.each([null, 'x', 42, [], [goodEvent()]])('body_not_object for %j', (body) => {
    const r = lintEventsBody(body);
    expect(r).toMatchObject({ ok: false, events: 0 });
    expect(r.issues.map((i) => [i.code, i.path])).toEqual([['body_not_object', '$']]);
  });

  it('data_missing (absent, or not an array)', () => {
    expect(codes(lintEventsBody({ event_source: 'web', event_source_id: 'C1' }).issues)).toEqual(['data_missing']);
    expect(codes(lintEventsBody(goodBody({ data: {} })).issues)).toEqual(['data_missing']);
  });

  it('data_missing recognizes a legacy 1.0 body', () => {
    const r = lintEventsBody({ event_source: 'web', event_source_id: 'C1', event: 'CompletePayment', context: {} });
    expect(r.issues[0].message).toMatch(/legacy/);
  });

  it('data_empty', () => {
    const r = lintEventsBody(goodBody({ data: [] }));
    expect(r).toMatchObject({ ok: false, events: 0 });
    expect(codes(r.issues)).toEqual(['data_empty']);
  });

  it('batch_too_large above 1,000 events, not at 1,000', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => goodEvent({ event_id: `e${i}` }));
    expect(lintEventsBody(goodBody({}, many(1000)))).toMatchObject({ ok: true, events: 1000, issues: [] });
    const r = lintEventsBody(goodBody({}, many(1001)));
    expect(r).toMatchObject({ ok: false, events: 1001 });
    expect(codes(r.issues)).toEqual(['batch_too_large']);
  });

  it('event_source_missing / event_source_invalid', () => {
    const { event_source: _s, ...noSource } = goodBody();
    expect(codes(lintEventsBody(noSource).issues)).toEqual(['event_source_missing']);
    expect(codes(lintEventsBody(goodBody({ event_source: 'website' })).issues)).toEqual(['event_source_invalid']);
    for (const s of ['app', 'offline', 'crm']) expect(lintEventsBody(goodBody({ event_source: s })).ok).toBe(true);
  });

  it('event_source_id_missing, and a numeric pixel id is the wrong type', () => {
    const { event_source_id: _id, ...noId } = goodBody();
    expect(codes(lintEventsBody(noId).issues)).toEqual(['event_source_id_missing']);
    expect(codes(lintEventsBody(goodBody({ event_source_id: ' ' })).issues)).toEqual(['event_source_id_missing']);
    const r = lintEventsBody(goodBody({ event_source_id: 6987488643342467073 }));
    expect(r.issues.map((i) => [i.code, i.path])).toEqual([['field_wrong_type', 'event_source_id']]);
  });

  it('test_event_code_set is a warning only', () => {
    const r = lintEventsBody(goodBody({ test_event_code: 'TEST12345' }));
    expect(r.ok).toBe(true);
    expect(r.issues.map((i) => [i.code, i.severity])).toEqual([['test_event_code_set', 'warning']]);
    expect(lintEventsBody(goodBody({ test_event_code: '' })).issues).toEqual([]);
  });
});

describe('event-level codes', () => {
  it('event_not_object', () => {
    const r = lintEventsBody(goodBody({}, [goodEvent(), 'oops', null]));
    expect(r.issues.map((i) => [i.code, i.path])).toEqual([
      ['event_not_object', 'data[1]'],
      ['event_not_object', 'data[2]'],
    ]);
    expect(r.events).toBe(3);
  });

  it('event_source_in_event', () => {
    const r = eventWith({ event_source: 'web' });
    expect(r.issues.map((i) => [i.code, i.path, i.severity])).toEqual([['event_source_in_event', 'data[0].event_source', 'error']]);
  });

  it('event_name_missing / wrong type', () => {
    const { event: _e, ...noName } = goodEvent();
    expect(codes(lintEventsBody(goodBody({}, [noName])).issues)).toEqual(['event_name_missing']);
    expect(codes(eventWith({ event: '' }).issues)).toEqual(['event_name_missing']);
    expect(codes(eventWith({ event: 7 }).issues)).toEqual(['field_wrong_type']);
  });

  it.each([
    ['purchase', 'Purchase'],
    ['PURCHASE', 'Purchase'],
    ['Completepayment', 'CompletePayment'],
    ['complete_payment', 'CompletePayment'],
    ['completePayment', 'CompletePayment'],
    ['Complete Payment', 'CompletePayment'],
    ['add_to_cart', 'AddToCart'],
    ['Purchse', 'Purchase'],
    ['AddToCard', 'AddToCart'],
    ['view_content', 'ViewContent'],
    ['submitform', 'SubmitForm'],
  ])('event_name_nonstandard: %j → did you mean %j', (name, suggestion) => {
    const r = eventWith({ event: name });
    const issue = r.issues.find((i) => i.code === 'event_name_nonstandard');
    expect(issue).toMatchObject({ path: 'data[0].event', severity: 'error' });
    expect(issue!.message).toContain(`"${suggestion}"`);
  });

  it.each(['Purchase', 'CompletePayment', 'AddToCart', 'ViewContent', 'Lead', 'SubmitForm', 'Pageview', 'PageView', 'LtvMilestone', 'Load', 'Signup'])(
    'no event_name_nonstandard for %j',
    (name) => {
      expect(codes(eventWith({ event: name }).issues)).not.toContain('event_name_nonstandard');
    },
  );

  it('suggestEventName', () => {
    expect(suggestEventName('Purchase')).toBeNull();
    expect(suggestEventName('purchase')).toBe('Purchase');
    expect(suggestEventName('LtvMilestone')).toBeNull();
    expect(suggestEventName('___')).toBeNull();
  });

  it('event_name_deprecated (warning) for ClickButton and PlaceAnOrder', () => {
    for (const name of ['ClickButton', 'PlaceAnOrder']) {
      const r = eventWith({ event: name });
      expect(r.ok).toBe(true);
      expect(r.issues.map((i) => [i.code, i.severity])).toEqual([['event_name_deprecated', 'warning']]);
    }
  });

  it('event_time_missing', () => {
    const { event_time: _t, ...noTime } = goodEvent();
    expect(codes(lintEventsBody(goodBody({}, [noTime])).issues)).toEqual(['event_time_missing']);
    expect(codes(eventWith({ event_time: null }).issues)).toEqual(['event_time_missing']);
  });

  it('event_time_in_ms', () => {
    const r = eventWith({ event_time: 1763800000123 });
    expect(r.issues.map((i) => [i.code, i.path, i.severity])).toEqual([['event_time_in_ms', 'data[0].event_time', 'error']]);
  });

  it.each([['1763800000'], [1763800000.5], [-5], [0], [1763800000123456]])('event_time_invalid for %j', (t) => {
    expect(codes(eventWith({ event_time: t }).issues)).toEqual(['event_time_invalid']);
  });

  it('event_id_missing on purchases only', () => {
    for (const name of ['CompletePayment', 'Purchase']) {
      const { event_id: _id, ...e } = goodEvent({ event: name });
      expect(codes(lintEventsBody(goodBody({}, [e])).issues)).toEqual(['event_id_missing']);
      expect(codes(eventWith({ event: name, event_id: '' }).issues)).toEqual(['event_id_missing']);
      expect(codes(eventWith({ event: name, event_id: null }).issues)).toEqual(['event_id_missing']);
    }
    const { event_id: _id, ...view } = goodEvent({ event: 'ViewContent' });
    expect(codes(lintEventsBody(goodBody({}, [view])).issues)).toEqual([]);
  });

  it('a near-miss purchase name is held to the purchase checks too', () => {
    const { event_id: _id, properties: _p, ...e } = goodEvent({ event: 'purchase' });
    expect(codes(lintEventsBody(goodBody({}, [e])).issues)).toEqual([
      'event_name_nonstandard',
      'event_id_missing',
      'value_not_number',
      'currency_missing',
    ]);
  });

  it('event_id_not_string for numbers (and other non-strings)', () => {
    const r = eventWith({ event_id: 5551234567 });
    expect(r.issues.map((i) => [i.code, i.path, i.severity])).toEqual([['event_id_not_string', 'data[0].event_id', 'error']]);
    expect(codes(eventWith({ event: 'ViewContent', event_id: 12 }).issues)).toEqual(['event_id_not_string']);
    expect(codes(eventWith({ event_id: { id: 1 } }).issues)).toEqual(['event_id_not_string']);
  });

  it('value_not_number: string, or missing on a purchase', () => {
    const props = goodEvent().properties as Record<string, unknown>;
    expect(eventWith({ properties: { ...props, value: '59.45' } }).issues.map((i) => [i.code, i.path])).toEqual([
      ['value_not_number', 'data[0].properties.value'],
    ]);
    const { value: _v, ...noValue } = props;
    expect(codes(eventWith({ properties: noValue }).issues)).toEqual(['value_not_number']);
    expect(codes(eventWith({ event: 'AddToCart', properties: noValue }).issues)).toEqual([]);
    expect(codes(eventWith({ event: 'AddToCart', properties: { ...props, value: '1' } }).issues)).toEqual(['value_not_number']);
    expect(codes(eventWith({ properties: { ...props, value: 0 } }).issues)).toEqual([]);
  });

  it('a purchase with no properties at all', () => {
    const { properties: _p, ...e } = goodEvent();
    expect(codes(lintEventsBody(goodBody({}, [e])).issues)).toEqual(['value_not_number', 'currency_missing']);
  });

  it('currency_missing on purchases only', () => {
    const { currency: _c, ...props } = goodEvent().properties as Record<string, unknown>;
    expect(codes(eventWith({ properties: props }).issues)).toEqual(['currency_missing']);
    expect(codes(eventWith({ event: 'AddToCart', properties: props }).issues)).toEqual([]);
  });

  it.each(['usd', 'US', 'DOLLARS', '$', 'XXX', 'HRK', 7])('currency_invalid for %j', (currency) => {
    const props = goodEvent().properties as Record<string, unknown>;
    const r = eventWith({ properties: { ...props, currency } });
    expect(r.issues.map((i) => [i.code, i.path, i.severity])).toEqual([['currency_invalid', 'data[0].properties.currency', 'error']]);
  });

  it('currency_invalid hints the uppercase code', () => {
    const props = goodEvent().properties as Record<string, unknown>;
    expect(eventWith({ properties: { ...props, currency: 'eur' } }).issues[0].message).toContain('"EUR"');
  });

  it.each(['USD', 'EUR', 'GBP', 'JPY', 'BRL', 'AED', 'VES', 'XCG', 'ZWG', 'SLE'])('%s is a valid currency', (currency) => {
    const props = goodEvent().properties as Record<string, unknown>;
    expect(eventWith({ properties: { ...props, currency } }).issues).toEqual([]);
  });

  it('content_id_not_string', () => {
    const props = goodEvent().properties as Record<string, unknown>;
    const r = eventWith({ properties: { ...props, contents: [{ content_id: 'A' }, { content_id: 123, quantity: 1 }, { quantity: 2 }] } });
    expect(r.issues.map((i) => [i.code, i.path])).toEqual([['content_id_not_string', 'data[0].properties.contents[1].content_id']]);
  });

  it('field_wrong_type for user, properties, contents, items, page', () => {
    const props = goodEvent().properties as Record<string, unknown>;
    expect(eventWith({ user: 'x' }).issues.map((i) => [i.code, i.path])).toEqual([
      ['field_wrong_type', 'data[0].user'],
      ['no_match_keys', 'data[0].user'],
    ]);
    expect(eventWith({ event: 'ViewContent', properties: [] }).issues.map((i) => [i.code, i.path])).toEqual([['field_wrong_type', 'data[0].properties']]);
    expect(eventWith({ properties: { ...props, contents: {} } }).issues.map((i) => i.path)).toEqual(['data[0].properties.contents']);
    expect(eventWith({ properties: { ...props, contents: ['SKU-1'] } }).issues.map((i) => i.path)).toEqual(['data[0].properties.contents[0]']);
    expect(eventWith({ page: 'https://x' }).issues.map((i) => [i.code, i.path])).toEqual([['field_wrong_type', 'data[0].page']]);
  });

  it('no_match_keys (warning) when the user carries nothing usable', () => {
    const r = eventWith({ user: { email: sha256Hex(''), ip: 'unknown' } });
    expect(r.issues.map((i) => [i.code, i.severity])).toEqual([
      ['hash_of_empty', 'error'],
      ['no_match_keys', 'warning'],
    ]);
    const { user: _u, ...noUser } = goodEvent();
    expect(lintEventsBody(goodBody({}, [noUser]))).toMatchObject({ ok: true, issues: [{ code: 'no_match_keys' }] });
    expect(codes(eventWith({ user: { ttclid: 'E.C.P.x' } }).issues)).toEqual([]);
  });

  it('page_url_missing (warning) on web events only', () => {
    expect(eventWith({ page: undefined }).issues.map((i) => [i.code, i.path, i.severity])).toEqual([['page_url_missing', 'data[0].page.url', 'warning']]);
    expect(codes(eventWith({ page: { url: '' } }).issues)).toEqual(['page_url_missing']);
    expect(lintEventsBody(goodBody({ event_source: 'crm' }, [goodEvent({ page: undefined })])).issues).toEqual([]);
  });

  it('lintEvent works alone with the index in the paths', () => {
    expect(lintEvent(goodEvent({ event_id: 1 }), 7).map((i) => i.path)).toEqual(['data[7].event_id']);
    expect(lintEvent(goodEvent({ page: undefined }), 0)).toEqual([]); // event_source unknown → no page rule
    expect(codes(lintEvent(goodEvent({ page: undefined }), 0, { eventSource: 'web' }))).toEqual(['page_url_missing']);
  });
});

describe('whole-body behaviour', () => {
  it('ok is false with any error and true with only warnings', () => {
    expect(lintEventsBody(goodBody({ test_event_code: 'T' }, [goodEvent({ event: 'ClickButton' })])).ok).toBe(true);
    expect(userWith({ email: H_EMAIL.toUpperCase() }).ok).toBe(true);
    expect(userWith({ email: 'jane@x.com' }).ok).toBe(false);
  });

  it('a messy multi-event batch reports each problem at its path', () => {
    const r = lintEventsBody(
      goodBody({}, [
        goodEvent(),
        goodEvent({ event: 'complete_payment', event_id: 991, event_time: 1763800000000 }),
        goodEvent({ user: { email: ['jane@x.com', H_EMAIL], phone: '12133734253', external_id: 'd41d8cd98f00b204e9800998ecf8427e' } }),
      ]),
    );
    expect(r.ok).toBe(false);
    expect(r.events).toBe(3);
    expect(r.issues.map((i) => `${i.code}@${i.path}`)).toEqual([
      'event_name_nonstandard@data[1].event',
      'event_time_in_ms@data[1].event_time',
      'event_id_not_string@data[1].event_id',
      'unhashed_email@data[2].user.email[0]',
      'unhashed_phone@data[2].user.phone',
      'wrong_hash_length@data[2].user.external_id',
    ]);
  });

  it('every issue carries the severity from the table', () => {
    const table = new Map(ISSUE_CODES.map((c) => [c.code as IssueCode, c.severity]));
    const r = lintEventsBody(goodBody({ test_event_code: 'x' }, [goodEvent({ event_id: 1, user: { email: 'a@b.co' } }), 'x']));
    for (const i of r.issues) expect(i.severity).toBe(table.get(i.code));
  });
});
