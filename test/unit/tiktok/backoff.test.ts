import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '@/lib/tiktok/backoff';

const policy = { maxAttempts: 10, baseDelayMs: 200, maxDelayMs: 5_000 };

describe('backoffDelayMs (full jitter)', () => {
  it('doubles the ceiling per attempt', () => {
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, policy, almostOne))).toEqual([199, 399, 799, 1599]);
  });

  it('caps the ceiling at maxDelayMs', () => {
    expect(backoffDelayMs(20, policy, () => 0.999999)).toBe(4999);
  });

  it('spreads anywhere from zero to the ceiling', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.25)).toBe(200);
  });
});
