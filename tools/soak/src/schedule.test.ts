import { FAULT_KINDS, faultSchedule, inQuietWindow, parseQuietWindows } from './schedule';

describe('fault schedule', () => {
  it('an hour: every kind in turn 5 minutes apart, twice, nothing in the last 5 minutes', () => {
    const s = faultSchedule(3_600_000);
    expect(s).toHaveLength(11);
    expect(s[0]).toEqual({ atMs: 300_000, kind: 'socket-drop' });
    expect(s.map((f) => f.kind).slice(0, 6)).toEqual([...FAULT_KINDS]);
    expect(s.at(-1)!.atMs).toBe(3_300_000);
    for (let i = 1; i < s.length; i++) expect(s[i].atMs - s[i - 1].atMs).toBe(300_000);
  });

  it('a short run still has every kind once, spread over it', () => {
    const s = faultSchedule(7 * 60_000);
    expect(s.map((f) => f.kind)).toEqual([...FAULT_KINDS]);
    expect(s[0].atMs).toBe(60_000);
    expect(s.at(-1)!.atMs).toBe(6 * 60_000);
  });

  it('longer runs repeat the cycle', () => {
    const s = faultSchedule(24 * 3_600_000);
    expect(s).toHaveLength(24 * 12 - 1);
    expect(s.filter((f) => f.kind === 'redis-kill').length).toBeGreaterThanOrEqual(47);
  });
});

describe('quiet windows', () => {
  it('parses UTC windows and tells whether an instant is in one, across midnight too', () => {
    const w = parseQuietWindows('20:50-21:20,23:30-00:10');
    expect(w).toEqual([
      { fromMin: 1250, toMin: 1280 },
      { fromMin: 1410, toMin: 10 },
    ]);
    const at = (hhmm: string) => Date.parse(`2026-12-02T${hhmm}:00Z`);
    expect(inQuietWindow(at('20:49'), w)).toBe(false);
    expect(inQuietWindow(at('20:50'), w)).toBe(true);
    expect(inQuietWindow(at('21:19'), w)).toBe(true);
    expect(inQuietWindow(at('21:20'), w)).toBe(false);
    expect(inQuietWindow(at('23:59'), w)).toBe(true);
    expect(inQuietWindow(at('00:05'), w)).toBe(true);
    expect(inQuietWindow(at('00:10'), w)).toBe(false);
    expect(parseQuietWindows(undefined)).toEqual([]);
  });

  it('says what it wants when a window is malformed', () => {
    expect(() => parseQuietWindows('8:50-9:20')).toThrow(/--quiet takes UTC windows like 20:50-21:20/);
    expect(() => parseQuietWindows('24:00-01:00')).toThrow(/got "24:00-01:00"/);
  });
});
