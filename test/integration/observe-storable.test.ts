/** Server-leg observations with text Postgres cannot hold (JSON allows it) are stored, not retried forever. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listServerEvents } from '@/db/queries/server-events';
import { recordServerEvents } from '@/lib/relay/observe';
import { createStore } from '@/lib/stores';
import { createTestDatabase, testTargets, type TestDatabase } from '../helpers/db';

describe.each(testTargets())('server-leg observations with unstorable text on %s', (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
    await createStore(t.db, { name: 'Odd', platform: 'custom', timezone: 'UTC', currency: 'USD' });
  });
  afterAll(async () => t?.cleanup());

  it('drops U+0000, replaces unpaired surrogates, and keeps the good events of the batch', async () => {
    const store = { id: 'odd', eventIdTemplate: '{order_id}' };
    const ids = await recordServerEvents(
      t.db,
      store,
      [
        { event: 'CompletePayment', event_id: 'ok-1', event_time: 1767000000, properties: { order_id: 'A1' } },
        { event: 'Complete\u0000Payment', event_id: 'bad\ud800', event_time: 1767000000, properties: { order_id: 'A\u00002', currency: 'U\u0000SD' } },
        { event: 'CompletePayment', event_id: 'ok-😀', event_time: 1767000000, properties: { order_id: 'A3' } },
      ],
      { source: 'relay', delivery: 'observed', tiktokMessage: 'x\u0000y' },
    );
    expect(ids).toHaveLength(3);
    const rows = await listServerEvents(t.db, { storeId: 'odd' });
    const byId = Object.fromEntries(rows.map((r) => [r.eventId, r]));
    expect(Object.keys(byId).sort()).toEqual(['bad\ufffd', 'ok-1', 'ok-😀']);
    expect(byId['bad\ufffd']).toMatchObject({ eventName: 'CompletePayment', orderId: 'A2', currency: 'USD', tiktokMessage: 'xy' });
  });
});
