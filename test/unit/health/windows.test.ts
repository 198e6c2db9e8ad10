import { describe, expect, it } from 'vitest';
import {
  addDays,
  assertWindow,
  isDay,
  isSettled,
  isoWeekLabel,
  previousIsoWeek,
  rolling7,
  settlesAt,
  windowBounds,
  windowDays,
} from '@/lib/health';

describe('previousIsoWeek', () => {
  it('is Monday..Sunday of the week before, whatever the weekday', () => {
    // 2026-01-15 is a Thursday (the weekly snapshot's day).
    expect(previousIsoWeek(new Date('2026-01-15T06:00:00Z'))).toEqual({ from: '2026-01-05', to: '2026-01-11' });
    expect(previousIsoWeek(new Date('2026-01-12T00:00:00Z'))).toEqual({ from: '2026-01-05', to: '2026-01-11' }); // Monday 00:00
    expect(previousIsoWeek(new Date('2026-01-11T23:59:59Z'))).toEqual({ from: '2025-12-29', to: '2026-01-04' }); // Sunday
  });

  it('crosses years and leap days', () => {
    expect(previousIsoWeek(new Date('2026-01-01T12:00:00Z'))).toEqual({ from: '2025-12-22', to: '2025-12-28' });
    expect(previousIsoWeek(new Date('2024-03-04T12:00:00Z'))).toEqual({ from: '2024-02-26', to: '2024-03-03' });
  });

  it('uses UTC, not the local day', () => {
    // 2026-01-12T00:30+02:00 is still Sunday in UTC.
    expect(previousIsoWeek(new Date('2026-01-12T00:30:00+02:00'))).toEqual({ from: '2025-12-29', to: '2026-01-04' });
  });
});

describe('rolling7', () => {
  it('is the 7 whole UTC days ending yesterday', () => {
    expect(rolling7(new Date('2026-01-15T06:00:00Z'))).toEqual({ from: '2026-01-08', to: '2026-01-14' });
    expect(rolling7(new Date('2026-03-01T00:00:00Z'))).toEqual({ from: '2026-02-22', to: '2026-02-28' });
    expect(windowDays(rolling7(new Date('2026-01-15T23:59:59Z')))).toHaveLength(7);
  });
});

describe('isSettled', () => {
  it('turns true exactly 72 h after the window end (to+1 00:00Z)', () => {
    expect(isSettled('2026-01-11', new Date('2026-01-14T23:59:59.999Z'))).toBe(false);
    expect(isSettled('2026-01-11', new Date('2026-01-15T00:00:00Z'))).toBe(true);
    expect(isSettled('2026-01-11', new Date('2026-01-11T12:00:00Z'))).toBe(false);
    expect(settlesAt('2026-01-11').toISOString()).toBe('2026-01-15T00:00:00.000Z');
  });

  it('a weekly snapshot taken Thursday 06:00 UTC is settled; a rolling one is not', () => {
    const thursday = new Date('2026-01-15T06:00:00Z');
    expect(isSettled(previousIsoWeek(thursday).to, thursday)).toBe(true);
    expect(isSettled(rolling7(thursday).to, thursday)).toBe(false);
  });
});

describe('window helpers', () => {
  it('bounds are [from 00:00Z, to+1 00:00Z)', () => {
    const { start, end } = windowBounds({ from: '2026-01-05', to: '2026-01-11' });
    expect(start.toISOString()).toBe('2026-01-05T00:00:00.000Z');
    expect(end.toISOString()).toBe('2026-01-12T00:00:00.000Z');
    expect(windowDays({ from: '2026-02-27', to: '2026-03-01' })).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(windowDays({ from: '2026-01-05', to: '2026-01-05' })).toEqual(['2026-01-05']);
  });

  it('validates days and order', () => {
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2026-1-5')).toBe(false);
    expect(() => assertWindow({ from: '2026-01-11', to: '2026-01-05' })).toThrow(/after/);
    expect(() => assertWindow({ from: 'yesterday', to: '2026-13-01' })).toThrow(/from: "yesterday".*to: "2026-13-01"/);
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('labels ISO weeks', () => {
    expect(isoWeekLabel('2026-01-05')).toBe('2026-W02');
    expect(isoWeekLabel('2026-01-01')).toBe('2026-W01');
    expect(isoWeekLabel('2027-01-01')).toBe('2026-W53');
    expect(isoWeekLabel('2024-12-30')).toBe('2025-W01');
  });
});
