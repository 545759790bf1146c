import { formatUsToIso, parseIsoToUs } from './date-time';

describe('parseIsoToUs', () => {
  it('reads UTC, offsets, fractions and plain dates', () => {
    expect(parseIsoToUs('2024-05-01T00:00:00Z')).toBe(Date.UTC(2024, 4, 1) * 1000);
    expect(parseIsoToUs('2024-05-01')).toBe(Date.UTC(2024, 4, 1) * 1000);
    expect(parseIsoToUs('2024-05-01T02:00:00+02:00')).toBe(Date.UTC(2024, 4, 1) * 1000);
    expect(parseIsoToUs('2024-04-30T19:30:00-0430')).toBe(Date.UTC(2024, 4, 1) * 1000);
    expect(parseIsoToUs('2024-05-01T00:00:00.123456Z')).toBe(Date.UTC(2024, 4, 1) * 1000 + 123_456);
    expect(parseIsoToUs('2024-05-01T00:00:00.5Z')).toBe(Date.UTC(2024, 4, 1) * 1000 + 500_000);
  });

  it('reads years 0000–0099 as written (Date.UTC alone would make them 1900–1999)', () => {
    expect(parseIsoToUs('0099-01-01')).toBe(Date.parse('0099-01-01T00:00:00Z') * 1000);
    expect(parseIsoToUs('0001-01-01T00:00:00Z')! < 0).toBe(true);
    expect(parseIsoToUs('9999-12-31')).toBe(Date.parse('9999-12-31T00:00:00Z') * 1000);
  });

  it('rejects ambiguous or impossible values', () => {
    for (const bad of [
      '',
      'yesterday',
      '2024-05-01T00:00:00',
      '2024-02-30',
      '2024-13-01',
      '2024-05-01T24:00:00Z',
      '1714521600',
    ]) {
      expect(parseIsoToUs(bad)).toBeUndefined();
    }
  });
});

describe('formatUsToIso', () => {
  it('keeps microseconds and round-trips', () => {
    const us = Date.UTC(2024, 4, 1, 12, 30, 15, 123) * 1000 + 456;
    expect(formatUsToIso(us)).toBe('2024-05-01T12:30:15.123456Z');
    expect(parseIsoToUs(formatUsToIso(us))).toBe(us);
    expect(formatUsToIso(0)).toBe('1970-01-01T00:00:00.000000Z');
  });
});
