import type { Locale, T } from './i18n';

/** A time in the reader's own time zone, in their language. */
export function when(locale: Locale, iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** "2 d 3 h", "45 min": the two largest units, enough to decide what to do first. */
export function span(t: T, ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return [t('d', { n: d }), h > 0 ? t('h', { n: h }) : ''].filter(Boolean).join(' ');
  if (h > 0) return [t('h', { n: h }), m > 0 ? t('m', { n: m }) : ''].filter(Boolean).join(' ');
  return t('m', { n: m });
}

export function percent(locale: Locale, rate: number | null): string {
  if (rate === null) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
}
