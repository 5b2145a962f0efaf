import { DateTime, Duration } from 'luxon';

/** The two languages candidates are written to in; anything else reads English. */
export type Locale = 'en' | 'zh-CN';

export function pickLocale(locale: string | null | undefined): Locale {
  return locale?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/** The candidate's time zone when it is a valid IANA name, else UTC. */
export function candidateZone(timezone: string | null | undefined): string {
  return timezone && DateTime.now().setZone(timezone).isValid ? timezone : 'UTC';
}

/** A time in the candidate's own time zone (UTC when unknown or invalid). */
export function localTime(at: Date, timezone: string | null, locale: Locale): string {
  const dt = DateTime.fromJSDate(at, { zone: candidateZone(timezone) });
  return dt.setLocale(locale).toFormat(locale === 'zh-CN' ? 'yyyy年M月d日 HH:mm ZZZZ' : 'ccc d LLL yyyy, HH:mm ZZZZ');
}

/** A shorter form for SMS, where every character counts: "12月3日 10:00" / "3 Dec 10:00" (zone named once elsewhere). */
export function shortLocalTime(at: Date, timezone: string | null, locale: Locale): string {
  const dt = DateTime.fromJSDate(at, { zone: candidateZone(timezone) });
  return dt.setLocale(locale).toFormat(locale === 'zh-CN' ? 'M月d日HH:mm' : 'd LLL HH:mm');
}

/** An ISO-8601 duration in words: "2 hours" / "2小时". */
export function durationInWords(iso: string, locale: Locale): string {
  const d = Duration.fromISO(iso);
  if (!d.isValid) return iso;
  const parts = d.shiftTo('days', 'hours', 'minutes').toObject();
  const kept = Object.fromEntries(Object.entries(parts).filter(([, v]) => v)) as Record<string, number>;
  return Duration.fromObject(Object.keys(kept).length ? kept : { minutes: 0 }, { locale }).toHuman({ unitDisplay: 'long' });
}

/**
 * A wall-clock time the candidate typed (`<input type="datetime-local">`,
 * "2026-12-03T10:00") read in their own time zone; null when it is not one.
 */
export function fromLocalInput(value: string, timezone: string | null): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const dt = DateTime.fromISO(value, { zone: candidateZone(timezone) });
  return dt.isValid ? dt.toJSDate() : null;
}

/** The value a datetime-local input shows for an instant, in the candidate's time zone. */
export function toLocalInput(at: Date, timezone: string | null): string {
  return DateTime.fromJSDate(at, { zone: candidateZone(timezone) }).toFormat("yyyy-LL-dd'T'HH:mm");
}
