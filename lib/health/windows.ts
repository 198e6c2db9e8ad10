/**
 * Report windows: whole UTC days, `from` and `to` both inclusive, as `YYYY-MM-DD`. Pure.
 */
import { AppError } from '@/lib/http/errors';
import { SETTLE_HOURS } from './definitions';

export interface DayWindow {
  /** First UTC day, inclusive. */
  from: string;
  /** Last UTC day, inclusive. */
  to: string;
}

const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `s` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** 00:00Z of a `YYYY-MM-DD` day. */
export function dayStart(day: string): Date {
  if (!isDay(day)) throw new AppError('validation_failed', `"${day}" is not a date (expected YYYY-MM-DD)`);
  return new Date(`${day}T00:00:00Z`);
}

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `day` shifted by `n` whole days. */
export function addDays(day: string, n: number): string {
  return utcDay(new Date(dayStart(day).getTime() + n * DAY_MS));
}

/** Validates a window: both days real, `from` ≤ `to`. */
export function assertWindow(w: DayWindow): DayWindow {
  const problems: string[] = [];
  if (!isDay(w.from)) problems.push(`from: "${w.from}" is not a date (expected YYYY-MM-DD)`);
  if (!isDay(w.to)) problems.push(`to: "${w.to}" is not a date (expected YYYY-MM-DD)`);
  if (!problems.length && w.from > w.to) problems.push(`from (${w.from}) is after to (${w.to})`);
  if (problems.length) throw new AppError('validation_failed', problems.join('; '));
  return w;
}

/** The half-open instant range [from 00:00Z, to+1 00:00Z) a window covers. */
export function windowBounds(w: DayWindow): { start: Date; end: Date } {
  assertWindow(w);
  return { start: dayStart(w.from), end: new Date(dayStart(w.to).getTime() + DAY_MS) };
}

/** Every day of the window, in order. */
export function windowDays(w: DayWindow): string[] {
  const { start, end } = windowBounds(w);
  const days: string[] = [];
  for (let t = start.getTime(); t < end.getTime(); t += DAY_MS) days.push(utcDay(new Date(t)));
  return days;
}

/** A window is settled once its end (to+1 00:00Z) is at least 72 hours before `now`. */
export function isSettled(to: string, now: Date = new Date()): boolean {
  const end = dayStart(to).getTime() + DAY_MS;
  return now.getTime() - end >= SETTLE_HOURS * 3600_000;
}

/** When a window ending on `to` becomes settled. */
export function settlesAt(to: string): Date {
  return new Date(dayStart(to).getTime() + DAY_MS + SETTLE_HOURS * 3600_000);
}

/** The ISO week (Monday–Sunday, UTC) before the one containing `now`. */
export function previousIsoWeek(now: Date = new Date()): DayWindow {
  const today = utcDay(now);
  const weekday = (dayStart(today).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thisMonday = addDays(today, -weekday);
  return { from: addDays(thisMonday, -7), to: addDays(thisMonday, -1) };
}

/** The 7 whole UTC days ending yesterday. */
export function rolling7(now: Date = new Date()): DayWindow {
  const today = utcDay(now);
  return { from: addDays(today, -7), to: addDays(today, -1) };
}

/** ISO 8601 week label of a day, e.g. `2026-W03`. */
export function isoWeekLabel(day: string): string {
  const d = dayStart(day);
  const weekday = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(d.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}
