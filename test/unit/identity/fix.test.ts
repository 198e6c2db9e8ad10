import { describe, expect, it } from 'vitest';
import { fixEventsBody, hashRawPii, isSha256Hex, isSha256HexAnyCase, lintEventsBody, sha256Hex, type FixResult } from '@/lib/identity';

const H_EMAIL = sha256Hex('janedoe@gmail.com');
const H_PHONE = sha256Hex('+12133734253');
const H_EXT = sha256Hex('user_123');

type Json = Record<string, unknown>;
const body = (...events: Json[]): Json => ({ event_source: 'web', event_source_id: 'CABC123', data: events });
const event = (over: Json = {}): Json => ({
  event: 'CompletePayment',
  event_time: 1763800000,
  event_id: 'o-1',
  user: { email: H_EMAIL, phone: H_PHONE, external_id: H_EXT, ip: '203.0.113.7', user_agent: 'UA' },
  properties: { currency: 'USD', value: 10, contents: [{ content_id: 'SKU-1' }] },
  page: { url: 'https://shop.example/thanks' },
  ...over,
});
const user = (r: FixResult, i = 0) => ((r.body as Json).data as Json[])[i].user as Json;

/** Every email/phone/external_id value left in the body is a SHA-256 (lowercase unless anyCase). */
function assertOnlyHashes(b: unknown, anyCase = false): void {
  const isHash = anyCase ? isSha256HexAnyCase : isSha256Hex;
  for (const e of (b as Json).data as Json[]) {
    const u = (e.user ?? {}) as Json;
    for (const f of ['email', 'phone', 'external_id']) {
      if (u[f] === undefined) continue;
      const values = Array.isArray(u[f]) ? (u[f] as unknown[]) : [u[f]];
      for (const v of values) expect(typeof v === 'string' && isHash(v), `${f}=${String(v)}`).toBe(true);
    }
  }
}

const MESSY = body(
  event({
    event_id: 5551234567,
    event_time: 1763800000123,
    user: {
      email: ' ALICE_abc@gmail.com ',
      phone: '12133734253',
      external_id: ' user_123 ',
      ttclid: 'E.C.P.x',
      ip: '203.0.113.7',
    },
    properties: { currency: 'USD', value: 10, contents: [{ content_id: 42 }, { content_id: 'B' }] },
  }),
  event({
    event_id: 'o-2',
    user: {
      email: [H_EMAIL.toUpperCase(), 'janedoe@gmail.com', sha256Hex('')],
      phone: ['07700 900123', '(+1)2133734253', 'not a phone'],
      external_id: 7,
    },
  }),
  event({ user: { email: 'd41d8cd98f00b204e9800998ecf8427e', phone: 12133734253, external_id: '' } }),
);

describe('fixEventsBody', () => {
  it('hashes raw PII with TikTok normalization and reports each fix', () => {
    const r = fixEventsBody(MESSY, { country: 'US' });
    expect(user(r, 0)).toEqual({
      email: '848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f',
      phone: '9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd',
      external_id: '80fba0ae1c48e3978e43e4efc365e14e12ea0c830ba8ba5b9a2dafc7e3f2ab8b',
      ttclid: 'E.C.P.x',
      ip: '203.0.113.7',
    });
    const e0 = ((r.body as Json).data as Json[])[0];
    expect(e0.event_id).toBe('5551234567');
    expect(e0.event_time).toBe(1763800000);
    expect((e0.properties as Json).contents).toEqual([{ content_id: '42' }, { content_id: 'B' }]);

    expect(r.fixes.filter((f) => f.path.startsWith('data[0]'))).toEqual([
      { path: 'data[0].user.email', code: 'unhashed_email', action: 'hashed', issues: ['email_not_trimmed', 'email_not_lowercased'] },
      { path: 'data[0].user.phone', code: 'unhashed_phone', action: 'hashed', issues: ['phone_missing_plus'] },
      { path: 'data[0].user.external_id', code: 'unhashed_external_id', action: 'hashed', issues: ['external_id_not_trimmed'] },
      { path: 'data[0].event_id', code: 'event_id_not_string', action: 'stringified' },
      { path: 'data[0].event_time', code: 'event_time_in_ms', action: 'converted' },
      { path: 'data[0].properties.contents[0].content_id', code: 'content_id_not_string', action: 'stringified' },
    ]);
  });

  it('handles arrays item by item, dropping what cannot be made matchable', () => {
    const r = fixEventsBody(MESSY, { country: 'US' });
    expect(user(r, 1)).toEqual({
      email: [H_EMAIL, H_EMAIL],
      // 07700 900123 read as a US national number is impossible → dropped
      phone: [H_PHONE],
      external_id: sha256Hex('7'),
    });
    expect(r.fixes.filter((f) => f.path.startsWith('data[1]'))).toEqual([
      { path: 'data[1].user.email[0]', code: 'uppercase_hex', action: 'rewritten' },
      { path: 'data[1].user.email[1]', code: 'unhashed_email', action: 'hashed' },
      { path: 'data[1].user.email[2]', code: 'hash_of_empty', action: 'dropped' },
      { path: 'data[1].user.phone[0]', code: 'phone_invalid', action: 'dropped' },
      { path: 'data[1].user.phone[1]', code: 'unhashed_phone', action: 'hashed', issues: ['phone_not_e164'] },
      { path: 'data[1].user.phone[2]', code: 'phone_invalid', action: 'dropped' },
      { path: 'data[1].user.external_id', code: 'unhashed_external_id', action: 'hashed' },
    ]);
  });

  it('uses the default country for national numbers', () => {
    const r = fixEventsBody(body(event({ user: { phone: '07700 900123' } })), { country: 'GB' });
    expect(user(r).phone).toBe(sha256Hex('+447700900123'));
  });

  it('without a default country, national phones are dropped and reported, never kept raw', () => {
    const r = fixEventsBody(body(event({ user: { phone: '07700 900123', email: 'a@b.co' } })));
    expect(user(r)).toEqual({ email: sha256Hex('a@b.co') });
    expect(r.fixes).toContainEqual({ path: 'data[0].user.phone', code: 'phone_no_country_code', action: 'dropped' });
  });

  it('drops MD5 emails, numeric emails, empty strings; hashes numeric phones', () => {
    const r = fixEventsBody(MESSY, { country: 'US' });
    expect(user(r, 2)).toEqual({ phone: H_PHONE });
    expect(r.fixes.filter((f) => f.path.startsWith('data[2]'))).toEqual([
      { path: 'data[2].user.email', code: 'wrong_hash_length', action: 'dropped' },
      { path: 'data[2].user.phone', code: 'unhashed_phone', action: 'hashed', issues: ['phone_missing_plus'] },
      { path: 'data[2].user.external_id', code: 'empty_value', action: 'dropped' },
    ]);
  });

  it('an array whose every item is dropped loses the key', () => {
    const r = fixEventsBody(body(event({ user: { email: ['', sha256Hex('null')], ttp: 'x' } })));
    expect(user(r)).toEqual({ ttp: 'x' });
  });

  it('leaves a clean body alone', () => {
    const clean = body(event(), event({ event_id: 'o-2' }));
    const r = fixEventsBody(clean, { country: 'US' });
    expect(r).toEqual({ body: clean, fixes: [] });
    expect(r.body).not.toBe(clean);
  });

  it('never hashes a SHA-256 again', () => {
    const r = fixEventsBody(body(event()), { country: 'US' });
    expect(user(r)).toMatchObject({ email: H_EMAIL, phone: H_PHONE, external_id: H_EXT });
  });

  it('is idempotent', () => {
    const once = fixEventsBody(MESSY, { country: 'US' });
    const twice = fixEventsBody(once.body, { country: 'US' });
    expect(twice.fixes).toEqual([]);
    expect(twice.body).toEqual(once.body);
  });

  it('never mutates its input', () => {
    const snapshot = structuredClone(MESSY);
    fixEventsBody(MESSY, { country: 'US' });
    hashRawPii(MESSY, { country: 'US' });
    expect(MESSY).toEqual(snapshot);
  });

  it('never leaves raw PII, and the fixed body lints without match-key or id/time errors', () => {
    for (const country of [undefined, 'US', 'GB']) {
      const r = fixEventsBody(MESSY, { country });
      assertOnlyHashes(r.body);
      const remaining = lintEventsBody(r.body).issues.map((i) => i.code);
      for (const c of ['unhashed_email', 'unhashed_phone', 'unhashed_external_id', 'uppercase_hex', 'wrong_hash_length', 'hash_of_empty', 'not_sha256', 'empty_value', 'event_id_not_string', 'event_time_in_ms', 'content_id_not_string']) {
        expect(remaining).not.toContain(c);
      }
    }
  });

  it('passes through bodies it cannot walk', () => {
    for (const b of [null, 'x', 3, [], { data: 'x' }, { data: [null, 'e', 1] }]) {
      expect(fixEventsBody(b)).toEqual({ body: b, fixes: [] });
    }
    const weird = body({ event: 'X', user: 'nope' });
    expect(fixEventsBody(weird)).toEqual({ body: weird, fixes: [] });
  });

  it('drops match keys of impossible types rather than forward them', () => {
    const r = fixEventsBody(body(event({ user: { email: { address: 'a@b.co' }, phone: true, external_id: [[1]] } })));
    expect(user(r)).toEqual({});
    expect(r.fixes.map((f) => [f.path, f.code, f.action])).toEqual([
      ['data[0].user.email', 'not_sha256', 'dropped'],
      ['data[0].user.phone', 'not_sha256', 'dropped'],
      ['data[0].user.external_id[0]', 'not_sha256', 'dropped'],
    ]);
  });

  it('trims a whitespace-padded hash', () => {
    const r = fixEventsBody(body(event({ user: { email: ` ${H_EMAIL}\n` } })));
    expect(user(r).email).toBe(H_EMAIL);
    expect(r.fixes).toEqual([{ path: 'data[0].user.email', code: 'not_sha256', action: 'rewritten' }]);
  });

  it('hashes a hex-looking external_id (it may be the shop id) but not a hex email', () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    const r = fixEventsBody(body(event({ user: { external_id: md5, email: md5 } })));
    expect(user(r)).toEqual({ external_id: sha256Hex(md5) });
  });
});

describe('hashRawPii (outbox guard)', () => {
  it('hashes or drops every non-SHA-256 match-key value, and touches nothing else', () => {
    const r = hashRawPii(MESSY, { country: 'US' });
    assertOnlyHashes(r.body, true);
    const e0 = ((r.body as Json).data as Json[])[0];
    expect(e0.event_id).toBe(5551234567);
    expect(e0.event_time).toBe(1763800000123);
    expect((e0.properties as Json).contents).toEqual([{ content_id: 42 }, { content_id: 'B' }]);
    expect(r.fixes.every((f) => f.path.includes('.user.'))).toBe(true);
  });

  it('leaves existing SHA-256 values as they are, even uppercase or placeholder hashes', () => {
    const u = { email: H_EMAIL.toUpperCase(), phone: sha256Hex('') };
    const r = hashRawPii(body(event({ user: u })));
    expect(user(r)).toEqual(u);
    expect(r.fixes).toEqual([]);
  });

  it('drops an unnormalizable phone rather than keep it raw', () => {
    const r = hashRawPii(body(event({ user: { phone: '2133734253', email: 'JANEDOE@gmail.com' } })));
    expect(user(r)).toEqual({ email: H_EMAIL });
    expect(r.fixes).toEqual([
      { path: 'data[0].user.email', code: 'unhashed_email', action: 'hashed', issues: ['email_not_lowercased'] },
      { path: 'data[0].user.phone', code: 'phone_no_country_code', action: 'dropped' },
    ]);
    expect(JSON.stringify(r)).not.toContain('2133734253');
    expect(JSON.stringify(r).toLowerCase()).not.toContain('janedoe');
  });

  it('is idempotent', () => {
    const once = hashRawPii(MESSY, { country: 'US' });
    expect(hashRawPii(once.body, { country: 'US' })).toEqual({ body: once.body, fixes: [] });
  });
});
