// ISO-8601 ⇄ integer microseconds (UTC). Posts carry µs timestamps; JS Date only has ms, so the fraction is
// handled by hand to keep cursors and date ranges exact.

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2}))?$/;

export const DATE_TIME_HINT = 'use ISO-8601 with a time zone, e.g. 2024-05-01T00:00:00Z (or a plain date, 2024-05-01)';

/** Parses an ISO-8601 date-time (offset required when a time is given) or a plain date (UTC midnight) to µs. */
export function parseIsoToUs(value: string): number | undefined {
  const m = ISO_RE.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  // Date.UTC maps years 0–99 to 1900–1999: set the full year explicitly.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  const ms = date.getTime();
  // 2024-02-31 rolls over to March: reject instead of guessing.
  if (date.getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  if (tz !== 'Z' && tz !== 'z') {
    const digits = tz.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2, 4));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (tz[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fracUs = Number(frac.padEnd(6, '0').slice(0, 6));
  return (ms - offsetMinutes * 60_000) * 1000 + fracUs;
}

/** µs since the epoch → `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fraction digits, UTC). */
export function formatUsToIso(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // …SS.mmmZ
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}
