import { describe, expect, it } from 'vitest';
import { classifyTikTokCode, isRequestLevelRefusal } from '@/lib/tiktok/codes';

describe('classifyTikTokCode', () => {
  it.each([
    [200, 0, 'ok'],
    [200, 20001, 'ok'],
    [200, 40100, 'transient'],
    [200, 50000, 'transient'],
    [200, 50002, 'transient'],
    [200, 51234, 'transient'],
    [200, 60001, 'transient'],
    [200, 61000, 'transient'],
    [200, 40000, 'permanent'],
    [200, 40001, 'permanent'],
    [200, 40002, 'permanent'],
    [200, 40061, 'permanent'],
    [200, 40062, 'permanent'],
    [200, 40102, 'permanent'],
    [200, 40104, 'permanent'],
    [200, 40105, 'permanent'],
    [503, null, 'transient'],
    [500, 0, 'transient'],
    [429, null, 'transient'],
    [200, null, 'permanent'],
    [404, null, 'permanent'],
    [400, 0, 'permanent'],
  ] as const)('HTTP %i, code %s → %s', (status, code, expected) => {
    expect(classifyTikTokCode(status, code)).toBe(expected);
  });
});

describe('isRequestLevelRefusal', () => {
  it('is true for token and permission codes, false for event-level ones', () => {
    expect([40001, 40102, 40104, 40105].every(isRequestLevelRefusal)).toBe(true);
    expect([40000, 40002, 40061, 40062].some(isRequestLevelRefusal)).toBe(false);
  });
});
