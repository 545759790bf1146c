// The repo's one date parser: RFC 3339 / atproto datetime ⇄ integer µs since the Unix epoch (UTC). Date.parse
// would lose the microseconds and accepts many non-RFC forms, so parse the fields ourselves. Records' createdAt
// use parseDatetimeUs; the GraphQL DateTime input also takes a plain date and far bounds (parseDateBoundUs).

const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Returns null for anything that is not a valid RFC 3339 datetime with a timezone, and for instants outside
 * ±2^53 µs of 1970 (about years 1685..2255), which a JS number cannot hold exactly.
 */
export function parseDatetimeUs(s: string): number | null {
  const us = datetimeUs(s);
  return us !== null && Number.isSafeInteger(us) ? us : null;
}

/** The instant of a valid RFC 3339 datetime in µs, not necessarily an exact integer (years up to 9999). */
function datetimeUs(s: string): number | null {
  if (s.length > 40) return null;
  const m = RFC3339_RE.exec(s);
  if (m === null) return null;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = +m[4];
  const minute = +m[5];
  const second = +m[6];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  // second 60 is a leap second; it maps onto the next second like most systems do.
  if (hour > 23 || minute > 59 || second > 60) return null;
  let offsetMin = 0;
  if (m[8] === undefined) {
    const oh = +m[10];
    const om = +m[11];
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute - offsetMin, second, 0);
  const fraction = m[7] === undefined ? 0 : Math.floor(Number((m[7] + '00000').slice(0, 6)));
  return d.getTime() * 1000 + fraction;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A query bound: a plain `YYYY-MM-DD` (UTC midnight of that day) or an RFC 3339 datetime as parseDatetimeUs takes
 * it; null otherwise. An instant beyond ±2^53 µs (`9999-12-31`, what users write for "open-ended") is returned
 * in order but not as an exact integer: the caller must clamp it to its own window before using it.
 */
export function parseDateBoundUs(s: string): number | null {
  const m = DATE_RE.exec(s);
  return datetimeUs(m === null ? s : `${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
}

/** µs since the epoch → `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fraction digits, UTC): what parseDatetimeUs reads. */
export function formatDatetimeUs(us: number): string {
  const ms = Math.floor(us / 1000);
  const micros = us - ms * 1000;
  const iso = new Date(ms).toISOString(); // …SS.mmmZ
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
