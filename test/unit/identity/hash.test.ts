import { describe, expect, it } from 'vitest';
import {
  hashMatchKey,
  isPlaceholderHash,
  isSha256Hex,
  isSha256HexAnyCase,
  normalizePhone,
  sha256Hex,
  type HashResult,
} from '@/lib/identity';

const ok = (r: HashResult) => {
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r;
};
const err = (r: HashResult) => {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
  return r;
};

describe('worked examples from match-keys.md', () => {
  it('email janedoe@gmail.com', () => {
    expect(hashMatchKey('email', 'janedoe@gmail.com')).toEqual({
      ok: true,
      field: 'email',
      normalized: 'janedoe@gmail.com',
      sha256: 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69',
      issues: [],
    });
  });

  it('email " ALICE_abc@gmail.com " is trimmed and lowercased', () => {
    expect(hashMatchKey('email', ' ALICE_abc@gmail.com ')).toEqual({
      ok: true,
      field: 'email',
      normalized: 'alice_abc@gmail.com',
      sha256: '848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f',
      issues: ['email_not_trimmed', 'email_not_lowercased'],
    });
  });

  it('phone (+1)2133734253 → +12133734253', () => {
    expect(hashMatchKey('phone', '(+1)2133734253')).toEqual({
      ok: true,
      field: 'phone',
      normalized: '+12133734253',
      sha256: '9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd',
      issues: ['phone_not_e164'],
    });
  });

  it('the Meta-style hash of 12133734253 (no +) is 1f81adb3…, which we never produce', () => {
    expect(sha256Hex('12133734253').startsWith('1f81adb3')).toBe(true);
    const r = ok(hashMatchKey('phone', '12133734253', { country: 'US' }));
    expect(r.sha256.startsWith('1f81adb3')).toBe(false);
    expect(r.sha256).toBe('9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd');
  });

  it('external_id user_123', () => {
    expect(hashMatchKey('external_id', 'user_123')).toEqual({
      ok: true,
      field: 'external_id',
      normalized: 'user_123',
      sha256: '80fba0ae1c48e3978e43e4efc365e14e12ea0c830ba8ba5b9a2dafc7e3f2ab8b',
      issues: [],
    });
  });
});

describe('the CLI output shape', () => {
  it('drops `ok` to give exactly {field, normalized, sha256, issues}', () => {
    const { ok: _ok, ...rest } = ok(hashMatchKey('phone', '12133734253', { country: 'US' }));
    expect(JSON.stringify(rest)).toBe(
      '{"field":"phone","normalized":"+12133734253","sha256":"9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd","issues":["phone_missing_plus"]}',
    );
  });

  it('errors carry code and message', () => {
    const r = err(hashMatchKey('phone', '12133734253'));
    expect(r.code).toBe('phone_no_country_code');
    expect(r.message).toMatch(/country/);
    expect(JSON.parse(JSON.stringify({ error: { code: r.code, message: r.message } })).error.code).toBe('phone_no_country_code');
  });
});

describe('sha256Hex / isSha256Hex', () => {
  it('hashes utf-8 and recognizes lowercase 64-hex only', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
    expect(isSha256Hex(sha256Hex('x'))).toBe(true);
    expect(isSha256Hex(sha256Hex('x').toUpperCase())).toBe(false);
    expect(isSha256HexAnyCase(sha256Hex('x').toUpperCase())).toBe(true);
    expect(isSha256Hex(sha256Hex('x').slice(1))).toBe(false);
    expect(isSha256Hex(`${sha256Hex('x')} `)).toBe(false);
    expect(isSha256Hex('g'.repeat(64))).toBe(false);
  });
});

describe('email', () => {
  it('trims tabs and newlines, lowercases, and changes nothing else (no Gmail dot / +tag rules)', () => {
    const r = ok(hashMatchKey('email', '\t\nJane.Doe+promo@GMail.com \r\n'));
    expect(r.normalized).toBe('jane.doe+promo@gmail.com');
    expect(r.sha256).toBe(sha256Hex('jane.doe+promo@gmail.com'));
    expect(r.issues).toEqual(['email_not_trimmed', 'email_not_lowercased']);
  });

  it('reports only what was wrong', () => {
    expect(ok(hashMatchKey('email', ' a@b.co')).issues).toEqual(['email_not_trimmed']);
    expect(ok(hashMatchKey('email', 'A@b.co')).issues).toEqual(['email_not_lowercased']);
  });

  it.each(['janedoe', 'jane doe@x.com', '@x.com', 'jane@', 'jane@localhost', 'a@b@c.com'])('refuses %j as email_invalid', (raw) => {
    expect(err(hashMatchKey('email', raw)).code).toBe('email_invalid');
  });

  it.each(['', '   ', '\t', 'undefined', 'null', 'NULL', '[object Object]'])('refuses placeholder %j as empty_value', (raw) => {
    expect(err(hashMatchKey('email', raw)).code).toBe('empty_value');
  });

  it('never echoes the raw value in the error message', () => {
    const r = err(hashMatchKey('email', 'secret-person at example.com'));
    expect(r.message).not.toContain('secret-person');
  });
});

describe('phone', () => {
  const E164 = '+12133734253';
  const SHA = '9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd';

  it('already E.164: no issues', () => {
    expect(ok(hashMatchKey('phone', E164))).toMatchObject({ normalized: E164, sha256: SHA, issues: [] });
  });

  it('Meta-style 12133734253 with country US → +12133734253, phone_missing_plus', () => {
    expect(ok(hashMatchKey('phone', '12133734253', { country: 'US' }))).toMatchObject({
      normalized: E164,
      sha256: SHA,
      issues: ['phone_missing_plus'],
    });
  });

  it('Meta-style digits with another default country still read as international when only that is valid', () => {
    // As a GB national number 12133734253 is impossible; +12133734253 is a valid US number.
    expect(ok(hashMatchKey('phone', '12133734253', { country: 'GB' }))).toMatchObject({ normalized: E164, issues: ['phone_missing_plus'] });
    expect(ok(hashMatchKey('phone', '447700900123', { country: 'US' }))).toMatchObject({
      normalized: '+447700900123',
      issues: ['phone_missing_plus'],
    });
  });

  it('missing plus and separators: both issues', () => {
    expect(ok(hashMatchKey('phone', '1 (213) 373-4253', { country: 'US' }))).toMatchObject({
      normalized: E164,
      issues: ['phone_missing_plus', 'phone_not_e164'],
    });
  });

  it.each(['+1 213 373 4253', '+1-213-373-4253', '+1 (213) 373-4253', '+1.213.373.4253', ' +12133734253 '])('%j has a plus but separators → phone_not_e164', (raw) => {
    expect(ok(hashMatchKey('phone', raw))).toMatchObject({ normalized: E164, sha256: SHA, issues: ['phone_not_e164'] });
  });

  it('national US number with default country', () => {
    expect(ok(hashMatchKey('phone', '(213) 373-4253', { country: 'US' }))).toMatchObject({ normalized: E164, issues: ['phone_not_e164'] });
    expect(ok(hashMatchKey('phone', '2133734253', { country: 'us' }))).toMatchObject({ normalized: E164, issues: ['phone_not_e164'] });
  });

  it('GB national 07700 900123 with country GB → +447700900123 (trunk 0 removed)', () => {
    const r = ok(hashMatchKey('phone', '07700 900123', { country: 'GB' }));
    expect(r).toMatchObject({ normalized: '+447700900123', issues: ['phone_not_e164'] });
    expect(r.sha256).toBe(sha256Hex('+447700900123'));
  });

  it('GB national 07700 900123 without a default country → phone_no_country_code', () => {
    const r = err(hashMatchKey('phone', '07700 900123'));
    expect(r.code).toBe('phone_no_country_code');
    expect(r.message).toMatch(/default country/);
  });

  it('trunk 0 after the country code is removed', () => {
    expect(ok(hashMatchKey('phone', '+44 (0) 7700 900123'))).toMatchObject({ normalized: '+447700900123', issues: ['phone_not_e164'] });
    expect(ok(hashMatchKey('phone', '+4407700900123'))).toMatchObject({ normalized: '+447700900123', issues: ['phone_not_e164'] });
  });

  it('international dialing prefix of the default country', () => {
    expect(ok(hashMatchKey('phone', '0044 7700 900123', { country: 'GB' }))).toMatchObject({ normalized: '+447700900123', issues: ['phone_not_e164'] });
    expect(ok(hashMatchKey('phone', '011 44 7700 900123', { country: 'US' }))).toMatchObject({ normalized: '+447700900123' });
  });

  it('French numbers: national and Meta-style', () => {
    expect(ok(hashMatchKey('phone', '06 12 34 56 78', { country: 'FR' })).normalized).toBe('+33612345678');
    expect(ok(hashMatchKey('phone', '33612345678', { country: 'FR' }))).toMatchObject({ normalized: '+33612345678', issues: ['phone_missing_plus'] });
  });

  it('without country, digits that start with a country code get a hint to add "+"', () => {
    expect(err(hashMatchKey('phone', '12133734253')).message).toMatch(/leading "\+"/);
  });

  it.each([
    ['', 'empty_value'],
    ['   ', 'empty_value'],
    ['+', 'empty_value'],
    ['undefined', 'empty_value'],
    ['+undefined', 'empty_value'],
    ['abc', 'phone_invalid'],
    ['()-', 'phone_invalid'],
    ['+1 213 373 4253 ext 5', 'phone_invalid'],
    ['tel:+12133734253', 'phone_invalid'],
    ['++12133734253', 'phone_invalid'],
    ['1+2133734253', 'phone_invalid'],
    ['+1213', 'phone_invalid'],
    ['+999 1234567', 'phone_invalid'],
  ])('%j → %s', (raw, code) => {
    expect(err(hashMatchKey('phone', raw, { country: 'US' })).code).toBe(code);
  });

  it('an impossible national number is phone_invalid, not a guess', () => {
    expect(err(hashMatchKey('phone', '123', { country: 'US' })).code).toBe('phone_invalid');
  });

  it('an unknown default country is country_invalid', () => {
    expect(err(hashMatchKey('phone', '2133734253', { country: 'XX' })).code).toBe('country_invalid');
    expect(normalizePhone('2133734253', { country: 'USA' })).toMatchObject({ ok: false, code: 'country_invalid' });
  });

  it('an empty country option behaves like none', () => {
    expect(err(hashMatchKey('phone', '2133734253', { country: '' })).code).toBe('phone_no_country_code');
  });
});

describe('external_id', () => {
  it('trims only and keeps case', () => {
    expect(ok(hashMatchKey('external_id', '  User_ABC\n'))).toMatchObject({
      normalized: 'User_ABC',
      sha256: sha256Hex('User_ABC'),
      issues: ['external_id_not_trimmed'],
    });
  });

  it('numeric ids are fine', () => {
    expect(ok(hashMatchKey('external_id', '123456789')).sha256).toBe(sha256Hex('123456789'));
  });

  it.each(['', ' ', 'undefined', 'null', '0'])('placeholder %j → empty_value', (raw) => {
    expect(err(hashMatchKey('external_id', raw)).code).toBe('empty_value');
  });
});

describe('values that are already SHA-256', () => {
  const h = sha256Hex('janedoe@gmail.com');

  it.each(['email', 'phone', 'external_id'] as const)('%s: lowercase 64-hex passes through unchanged', (field) => {
    expect(hashMatchKey(field, h)).toEqual({ ok: true, field, normalized: null, sha256: h, issues: [] });
  });

  it('uppercase 64-hex is lowercased and reported', () => {
    expect(hashMatchKey('email', h.toUpperCase())).toEqual({ ok: true, field: 'email', normalized: null, sha256: h, issues: ['uppercase_hex'] });
  });

  it('surrounding whitespace is trimmed and reported', () => {
    expect(ok(hashMatchKey('phone', ` ${h}\n`))).toMatchObject({ normalized: null, sha256: h, issues: ['hash_not_trimmed'] });
  });

  it('a hash of a placeholder passes but is flagged', () => {
    expect(ok(hashMatchKey('email', sha256Hex(''))).issues).toEqual(['hash_of_empty']);
  });

  it('63 or 65 hex characters are not a hash', () => {
    expect(hashMatchKey('external_id', h.slice(1))).toMatchObject({ ok: true, normalized: h.slice(1) });
    expect(err(hashMatchKey('email', `${h}a`)).code).toBe('email_invalid');
  });
});

describe('placeholder hashes', () => {
  it.each(['', ' ', '+', 'undefined', 'null', '[object Object]', '[object object]', 'NaN', 'nan', 'none', 'None', '0', '+1', '+44', '+undefined', 'NULL', 'false'])(
    'sha256(%j) is a placeholder hash',
    (p) => {
      expect(isPlaceholderHash(sha256Hex(p))).toBe(true);
      expect(isPlaceholderHash(sha256Hex(p).toUpperCase())).toBe(true);
    },
  );

  it.each(['janedoe@gmail.com', '+12133734253', 'user_123', '1'])('sha256(%j) is not', (v) => {
    expect(isPlaceholderHash(sha256Hex(v))).toBe(false);
  });
});
