import { describe, expect, it } from 'vitest';
import { ISSUE_CODES, hashMatchKey, issueInfo, lintEventsBody, makeIssue, severityOf, sha256Hex, type IssueCode } from '@/lib/identity';

describe('ISSUE_CODES table', () => {
  it('has unique snake_case codes with a message and a severity', () => {
    const codes = ISSUE_CODES.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of ISSUE_CODES) {
      expect(c.code).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
      expect(c.message.length).toBeGreaterThan(10);
      expect(['error', 'warning']).toContain(c.severity);
    }
  });

  it('contains every code listed in match-keys.md', () => {
    const documented = [
      'unhashed_email', 'unhashed_phone', 'unhashed_external_id', 'uppercase_hex', 'wrong_hash_length', 'hash_of_empty',
      'event_id_missing', 'event_id_not_string', 'event_time_in_ms', 'event_name_nonstandard', 'value_not_number',
      'currency_invalid', 'content_id_not_string', 'batch_too_large',
      'email_not_trimmed', 'email_not_lowercased', 'phone_missing_plus', 'phone_not_e164', 'phone_no_country_code',
    ];
    const codes = new Set<string>(ISSUE_CODES.map((c) => c.code));
    for (const d of documented) expect(codes, d).toContain(d);
  });

  it('severities the team agreed on', () => {
    const errors: IssueCode[] = ['unhashed_email', 'unhashed_phone', 'unhashed_external_id', 'event_id_not_string', 'batch_too_large', 'wrong_hash_length', 'hash_of_empty', 'value_not_number', 'currency_invalid', 'event_source_in_event'];
    for (const c of errors) expect(severityOf(c), c).toBe('error');
    for (const c of ['uppercase_hex', 'test_event_code_set', 'no_match_keys', 'page_url_missing', 'event_name_deprecated'] as const) expect(severityOf(c), c).toBe('warning');
  });

  it('makeIssue fills severity and the default message', () => {
    expect(makeIssue('batch_too_large', 'data')).toEqual({ code: 'batch_too_large', severity: 'error', path: 'data', message: issueInfo('batch_too_large').message });
    expect(makeIssue('uppercase_hex', 'x', 'custom').message).toBe('custom');
  });

  it('every code in the table is actually produced somewhere', () => {
    const seen = new Set<string>();
    const h = sha256Hex('x');
    const bodies: unknown[] = [
      null,
      {},
      { event_source: 'web', event_source_id: 'C', data: [] },
      { event_source: 'web', event_source_id: 'C', data: Array.from({ length: 1001 }, () => ({})) },
      {
        event_source: 'nope',
        test_event_code: 'T',
        data: [
          'not an event',
          {
            event_source: 'web',
            event: 'purchase',
            event_time: 1763800000000,
            user: { email: ['a@b.co', h.toUpperCase(), 'd41d8cd98f00b204e9800998ecf8427e', sha256Hex(''), 'nope', ''], phone: '+12133734253', external_id: 'u1' },
            properties: { value: '1', currency: 'usd', contents: [{ content_id: 1 }] },
          },
          { event: 'ClickButton', event_time: 'x', event_id: 3, user: 'x' },
          { event_time: 1 },
        ],
      },
      { event_source: 'crm', event_source_id: 'C', data: [{ event: 'Purchase', event_time: 1, event_id: 'e', properties: { value: 1 } }] },
      { event_source: 'web', event_source_id: 'C', data: [{ event: 'Purchase', event_time: 1, user: { ip: '1.2.3.4' }, properties: { value: 1, currency: 'USD' } }] },
    ];
    for (const b of bodies) for (const i of lintEventsBody(b).issues) seen.add(i.code);

    const raws: [Parameters<typeof hashMatchKey>[0], string, string?][] = [
      ['email', ' A@b.co'],
      ['email', 'nope'],
      ['email', ` ${h}`],
      ['phone', '12133734253', 'US'],
      ['phone', '(+1)2133734253'],
      ['phone', '2133734253'],
      ['phone', 'abc'],
      ['phone', '2133734253', 'ZZ'],
      ['external_id', ' u1 '],
      ['external_id', ''],
    ];
    for (const [field, raw, country] of raws) {
      const r = hashMatchKey(field, raw, { country });
      if (r.ok) r.issues.forEach((c) => seen.add(c));
      else seen.add(r.code);
    }

    const missing = ISSUE_CODES.map((c) => c.code).filter((c) => !seen.has(c));
    expect(missing).toEqual([]);
  });
});
