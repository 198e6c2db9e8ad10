import { describe, expect, it } from 'vitest';
import { sha256Hex } from '@/lib/identity';
import { liveSettlement, needsPiiSafety, outboxBackoffMs, OUTBOX_BACKOFF, piiSafeBody } from '@/lib/relay/outbox';

const H = (s: string) => sha256Hex(s);
const body = (user: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  event_source: 'web',
  event_source_id: 'CPIXEL123',
  data: [{ event: 'Purchase', event_time: 1763800000, event_id: '1001', user, properties: { value: 1, currency: 'USD' }, ...extra }],
});

describe('piiSafeBody', () => {
  it('hashes raw email, phone and external_id by TikTok’s rules and keeps the raw-by-design keys', () => {
    const input = body({
      email: ' ALICE_abc@gmail.com ',
      phone: ['(+1)2133734253', H('+12133734253')],
      external_id: 'user_123',
      ttclid: 'E.C.P.abc',
      ttp: 'ttp-1',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      locale: 'en-US',
    });
    const { body: out, fixes } = piiSafeBody(input, { country: 'US' });
    expect((out as ReturnType<typeof body>).data[0]!.user).toEqual({
      email: '848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f',
      phone: ['9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd', H('+12133734253')],
      external_id: '80fba0ae1c48e3978e43e4efc365e14e12ea0c830ba8ba5b9a2dafc7e3f2ab8b',
      ttclid: 'E.C.P.abc',
      ttp: 'ttp-1',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      locale: 'en-US',
    });
    expect(fixes.map((f) => f.action)).toEqual(['hashed', 'hashed', 'hashed']);
    // The input is untouched (forward mode sends it as it came).
    expect(input.data[0]!.user.email).toBe(' ALICE_abc@gmail.com ');
  });

  it('drops undocumented user keys unless already hashed, and unnormalizable phones', () => {
    const input = body({ first_name: 'Jane', zip_code: 90210, city: [H('paris')], phone: '2133734253', email: H('x@y.z') });
    const { body: out, fixes } = piiSafeBody(input, {});
    const user = (out as ReturnType<typeof body>).data[0]!.user;
    expect(user).toEqual({ city: [H('paris')], email: H('x@y.z') });
    expect(JSON.stringify(out)).not.toMatch(/Jane|90210|2133734253/);
    expect(fixes.filter((f) => f.action === 'dropped').map((f) => f.path)).toEqual(
      expect.arrayContaining(['data[0].user.phone', 'data[0].user.first_name', 'data[0].user.zip_code']),
    );
  });

  it('never keeps the contents of a "data" that is not a list', () => {
    expect(piiSafeBody({ event_source_id: 'x', data: { user: { email: 'a@b.c' } } }).body).toEqual({ event_source_id: 'x', data: [] });
  });
});

describe('needsPiiSafety', () => {
  const clean = [
    body({ email: H('a@b.c'), ip: '203.0.113.7', ttclid: 'x' }),
    body({ email: [H('a@b.c'), H('d@e.f')], phone: null }),
    body({}),
    body({ custom_hash: H('z') }),
    // An uppercase or padded hash is not PII: stored as is (fix mode cleans it for TikTok).
    body({ email: H('a@b.c').toUpperCase() + ' ' }),
    { event_source_id: 'x', data: [1, 'two', { event: 'Purchase' }] },
  ];
  const dirty = [
    body({ email: 'a@b.c' }),
    body({ phone: '+12133734253' }),
    body({ phone: 12133734253 }),
    body({ email: [H('a@b.c'), 'raw@x.y'] }),
    body({ external_id: 'user_1' }),
    body({ first_name: 'Jane' }),
    { event_source_id: 'x', data: 'nope' },
  ];

  it.each(clean.map((b, i) => [i, b]))('clean body %i: stored as sent, exactly what piiSafeBody would keep', (_i, b) => {
    expect(needsPiiSafety(b)).toBe(false);
    expect(piiSafeBody(b).body).toEqual(b);
  });

  it.each(dirty.map((b, i) => [i, b]))('dirty body %i needs the PII guard', (_i, b) => {
    expect(needsPiiSafety(b)).toBe(true);
  });
});

describe('outboxBackoffMs', () => {
  it('starts at 30 s, doubles, caps at 1 h, with jitter in [½, 1] of the step', () => {
    expect(outboxBackoffMs(1, () => 0)).toBe(15_000);
    expect(outboxBackoffMs(1, () => 0.999999)).toBeCloseTo(30_000, -1);
    expect(outboxBackoffMs(2, () => 1)).toBe(60_000);
    expect(outboxBackoffMs(5, () => 1)).toBe(480_000);
    expect(outboxBackoffMs(30, () => 1)).toBe(OUTBOX_BACKOFF.maxMs);
    expect(outboxBackoffMs(30, () => 0)).toBe(OUTBOX_BACKOFF.maxMs / 2);
    for (let a = 1; a < 12; a++) {
      const v = outboxBackoffMs(a);
      expect(v).toBeGreaterThanOrEqual(Math.min(OUTBOX_BACKOFF.maxMs, 30_000 * 2 ** (a - 1)) / 2);
      expect(v).toBeLessThanOrEqual(OUTBOX_BACKOFF.maxMs);
    }
  });
});

describe('liveSettlement', () => {
  const store = { id: 's', eventIdTemplate: '{order_id}-completepayment' };
  const events = [{ event: 'CompletePayment', event_id: '77-completepayment', event_time: 1763800000, user: { email: H('a@b.c') } }];
  const at = new Date('2026-01-01T00:00:00Z');

  it('accepted: row delivered, events sent with TikTok’s code', () => {
    const s = liveSettlement({ outboxId: 9, store, events, observation: { source: 'relay' }, outcome: { kind: 'ok', code: 0, message: 'OK' }, at });
    expect(s).toMatchObject({ outboxId: 9, status: 'delivered', deliveredAt: at, lastError: null, nextAttemptAt: null });
    expect(s.events[0]).toMatchObject({ delivery: 'sent', tiktokCode: 0, tiktokMessage: 'OK', orderId: '77', eventId: '77-completepayment', hasEmail: true });
  });

  it('refused: row settled with the refusal, events rejected', () => {
    const s = liveSettlement({ outboxId: 9, store, events, observation: { source: 'relay' }, outcome: { kind: 'refused', code: 40002, message: 'bad' }, at });
    expect(s).toMatchObject({ status: 'delivered', lastError: 'refused by TikTok: code 40002: bad' });
    expect(s.events[0]).toMatchObject({ delivery: 'rejected', tiktokCode: 40002, tiktokMessage: 'bad' });
  });

  it('queued: row stays pending until its next attempt, events queued', () => {
    const next = new Date(at.getTime() + 20_000);
    const s = liveSettlement({ outboxId: 9, store, events, observation: { source: 'relay' }, outcome: { kind: 'queued', error: 'HTTP 503', nextAttemptAt: next }, at });
    expect(s).toMatchObject({ status: 'pending', nextAttemptAt: next, lastError: 'HTTP 503', deliveredAt: null });
    expect(s.events[0]).toMatchObject({ delivery: 'queued', tiktokCode: null });
  });
});
