import { displayMoney } from '@billrail/contracts/money';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The reader's locale for Intl: the app's language, with the browser's region when it speaks the
 * same language (en + en-GB gives 15/04/2025, en + en-US gives 4/15/2025).
 */
export function intlLocale(language: string): string {
  const regional = (typeof navigator !== 'undefined' ? navigator.languages : undefined)?.find(
    (tag) => tag.toLowerCase().split('-')[0] === language,
  );
  return regional ?? language;
}

/** A calendar day (YYYY-MM-DD) as a Date at UTC midnight, formatted in UTC so it never shifts a day. */
const utcDay = (day: string) => new Date(`${day}T00:00:00Z`);

/** Amounts and dates in the reader's language and region. */
export function useFormat() {
  const { i18n } = useTranslation();
  const locale = intlLocale(i18n.language);
  return useMemo(() => {
    const dayFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
    const shortDayFmt = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
    const monthFmt = new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
    const monthShortFmt = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' });
    const timeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const listFmt = new Intl.ListFormat(locale, { style: 'short', type: 'conjunction' });
    return {
      locale,
      money: (minor: number, currency: string) => displayMoney(minor, currency, locale),
      /** 15 Apr 2025 */
      day: (day: string) => dayFmt.format(utcDay(day)),
      /** 15 Apr */
      shortDay: (day: string) => shortDayFmt.format(utcDay(day)),
      /** Apr 2025 (from YYYY-MM) */
      month: (month: string) => monthFmt.format(utcDay(`${month}-01`)),
      /** Apr (from YYYY-MM) */
      shortMonth: (month: string) => monthShortFmt.format(utcDay(`${month}-01`)),
      /** 1–28 Feb 2025 */
      dayRange: (from: string, to: string) => dayFmt.formatRange(utcDay(from), utcDay(to)),
      /** A moment, in the reader's own time zone. */
      dateTime: (iso: string) => timeFmt.format(new Date(iso)),
      list: (items: string[]) => listFmt.format(items),
      count: (n: number) => new Intl.NumberFormat(locale).format(n),
    };
  }, [locale]);
}
export type Format = ReturnType<typeof useFormat>;
