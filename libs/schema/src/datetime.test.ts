import { formatDatetimeUs, parseDateBoundUs, parseDatetimeUs } from './datetime';

describe('parseDatetimeUs', () => {
  it('parses atproto datetimes to integer µs, keeping sub-millisecond digits', () => {
    expect(parseDatetimeUs('2026-05-25T14:23:28.757Z')).toBe(Date.UTC(2026, 4, 25, 14, 23, 28, 757) * 1000);
    expect(parseDatetimeUs('2026-05-25T14:23:28Z')).toBe(Date.UTC(2026, 4, 25, 14, 23, 28) * 1000);
    expect(parseDatetimeUs('2026-05-25T14:23:28.123456Z')).toBe(Date.UTC(2026, 4, 25, 14, 23, 28) * 1000 + 123456);
    // Nanoseconds are truncated to µs, never rounded into the next second.
    expect(parseDatetimeUs('2026-05-25T14:23:28.999999999Z')).toBe(Date.UTC(2026, 4, 25, 14, 23, 28) * 1000 + 999999);
    expect(parseDatetimeUs('2026-05-25T14:23:28.5Z')).toBe(Date.UTC(2026, 4, 25, 14, 23, 28, 500) * 1000);
  });

  it('applies timezone offsets to give UTC', () => {
    const utc = Date.UTC(2026, 4, 25, 12) * 1000;
    expect(parseDatetimeUs('2026-05-25T14:00:00+02:00')).toBe(utc);
    expect(parseDatetimeUs('2026-05-25T06:30:00-05:30')).toBe(utc);
    expect(parseDatetimeUs('2026-05-25T12:00:00+00:00')).toBe(utc);
    expect(parseDatetimeUs('2026-05-25t12:00:00z')).toBe(utc);
  });

  it('handles leap days and dates before 1970', () => {
    expect(parseDatetimeUs('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29) * 1000);
    expect(parseDatetimeUs('1969-12-31T23:59:59Z')).toBe(-1_000_000);
    expect(parseDatetimeUs('1700-01-01T00:00:00Z')).toBe(Date.UTC(1700, 0, 1) * 1000);
  });

  it('returns null for anything else', () => {
    for (const s of [
      '',
      'yesterday',
      '2026-05-25',
      '2026-05-25T14:23:28',
      '2026-05-25 14:23:28Z',
      '2023-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-05-25T24:00:00Z',
      '2026-05-25T12:60:00Z',
      '2026-05-25T12:00:00+24:00',
      '0000-01-01T00:00:00Z',
      // µs as a JS number are exact within ±2^53 µs of 1970, about years 1685..2255.
      '0050-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '2026-05-25T14:23:28.Z',
      '2026-05-25T14:23:28.1234567890Z',
      ' 2026-05-25T14:23:28Z',
      '2026-05-25T14:23:28Z'.padEnd(100, ' '),
    ]) {
      expect({ s, v: parseDatetimeUs(s) }).toEqual({ s, v: null });
    }
  });
});

// The GraphQL DateTime input (apps/graph schema/date-time.ts): the same rules, plus a plain date.
describe('parseDateBoundUs', () => {
  it('reads a plain date as UTC midnight, and every datetime parseDatetimeUs reads', () => {
    expect(parseDateBoundUs('2024-05-01')).toBe(Date.UTC(2024, 4, 1) * 1000);
    expect(parseDateBoundUs('2024-02-29')).toBe(Date.UTC(2024, 1, 29) * 1000);
    expect(parseDateBoundUs('2024-05-01T02:00:00+02:00')).toBe(Date.UTC(2024, 4, 1) * 1000);
    expect(parseDateBoundUs('2024-04-30T19:30:00-04:30')).toBe(Date.UTC(2024, 4, 1) * 1000);
    expect(parseDateBoundUs('2024-05-01T00:00:00.123456Z')).toBe(Date.UTC(2024, 4, 1) * 1000 + 123_456);
  });

  it('reads instants beyond ±2^53 µs (far bounds mean open-ended) in order, for the caller to clamp', () => {
    const far = ['0001-01-01', '0099-01-01', '2300-01-01T00:00:00+02:00', '2300-01-01', '9999-01-01', '9999-12-31'];
    const values = far.map(parseDateBoundUs) as number[];
    expect(values.every((v, i) => i === 0 || v > values[i - 1])).toBe(true);
    expect(values[0]).toBeLessThan(-Number.MAX_SAFE_INTEGER);
    expect(values[5]).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(parseDateBoundUs('2255-06-04')).toBe(Date.UTC(2255, 5, 4) * 1000);
  });

  it('rejects impossible or ambiguous values: no time zone, no seconds, offsets without a colon', () => {
    for (const s of [
      '',
      '1714521600',
      '2024-02-30',
      '2023-02-29',
      '2024-13-01',
      '2024-5-1',
      '2024-05-01T00:00:00',
      '2024-05-01T00:00Z',
      '2024-05-01 00:00:00Z',
      '2024-04-30T19:30:00-0430',
      '2024-05-01T24:00:00Z',
      '0000-01-01',
      ' 2024-05-01',
    ]) {
      expect({ s, v: parseDateBoundUs(s) }).toEqual({ s, v: null });
    }
  });
});

describe('formatDatetimeUs', () => {
  it('keeps microseconds and round-trips through both parsers', () => {
    const us = Date.UTC(2024, 4, 1, 12, 30, 15, 123) * 1000 + 456;
    expect(formatDatetimeUs(us)).toBe('2024-05-01T12:30:15.123456Z');
    expect(parseDatetimeUs(formatDatetimeUs(us))).toBe(us);
    expect(parseDateBoundUs(formatDatetimeUs(us))).toBe(us);
    expect(formatDatetimeUs(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(formatDatetimeUs(-1)).toBe('1969-12-31T23:59:59.999999Z');
  });
});
