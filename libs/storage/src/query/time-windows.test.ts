import {
  FIRST_WINDOW_ROWS,
  FIRST_WINDOW_US,
  MIN_WINDOW_US,
  filesOverlapping,
  firstWindowWidth,
  narrowFirstWindow,
  nextWindowWidth,
  scanBounds,
  windowLow,
} from './time-windows';

const day = (d: string) => Date.parse(`${d}T00:00:00Z`) * 1000;
const files = [
  '/d/posts/date=2024-05-24/a.parquet',
  '/d/posts/date=2024-05-25/b.parquet',
  '/d/posts/date=2024-05-26/c.parquet',
];

describe('time windows', () => {
  it('bounds a scan by the partitions and the range', () => {
    expect(scanBounds(files)).toEqual({ lo: day('2024-05-24'), hi: day('2024-05-27') });
    expect(scanBounds(files, day('2024-05-25') + 5, day('2024-05-26'))).toEqual({
      lo: day('2024-05-25') + 5,
      hi: day('2024-05-26'),
    });
    expect(filesOverlapping(files, day('2024-05-25') + 1, day('2024-05-26'))).toEqual([files[1]]);
  });

  it('starts FIRST_WINDOW_US before now on a live day, and at the end of the data otherwise', () => {
    const hi = day('2024-05-27');
    expect(firstWindowWidth(hi, hi + 1e12)).toBe(FIRST_WINDOW_US);
    expect(firstWindowWidth(hi, hi - 10 * FIRST_WINDOW_US)).toBe(11 * FIRST_WINDOW_US);
  });

  it('narrows the first window to about FIRST_WINDOW_ROWS of dense data, or to a known density of matches', () => {
    // A steady day (or fewer rows, or no estimate): the default window.
    expect(narrowFirstWindow(FIRST_WINDOW_US, FIRST_WINDOW_ROWS)).toBe(FIRST_WINDOW_US);
    expect(narrowFirstWindow(FIRST_WINDOW_US, undefined)).toBe(FIRST_WINDOW_US);
    // A live tail 10x as dense: a tenth of it; the not-yet-lived part of today is kept on top.
    expect(narrowFirstWindow(FIRST_WINDOW_US, 10 * FIRST_WINDOW_ROWS)).toBe(FIRST_WINDOW_US / 10);
    expect(narrowFirstWindow(3 * FIRST_WINDOW_US, 10 * FIRST_WINDOW_ROWS)).toBe(
      2 * FIRST_WINDOW_US + FIRST_WINDOW_US / 10,
    );
    // The narrower of the two; never below MIN_WINDOW_US, never wider than the default.
    expect(narrowFirstWindow(FIRST_WINDOW_US, 10 * FIRST_WINDOW_ROWS, FIRST_WINDOW_US / 20)).toBe(FIRST_WINDOW_US / 20);
    expect(narrowFirstWindow(FIRST_WINDOW_US, 1e9)).toBe(MIN_WINDOW_US);
    expect(narrowFirstWindow(FIRST_WINDOW_US, 0, 10 * FIRST_WINDOW_US)).toBe(FIRST_WINDOW_US);
  });

  it('sizes the next window from the density of matches', () => {
    expect(nextWindowWidth(10, 0, 51)).toBe(160);
    expect(nextWindowWidth(10, 50, 1)).toBe(10); // never narrower than the last window
    expect(nextWindowWidth(10, 10, 41)).toBe(50); // 41 more at 1 per unit of width, ×1.2
    expect(nextWindowWidth(10, 1, 50)).toBe(600);
  });

  it('takes the whole rest when less than half a window would be left', () => {
    expect(windowLow(100, 10, 0)).toBe(90);
    expect(windowLow(100, 64, 0)).toBe(36);
    expect(windowLow(100, 70, 0)).toBe(0); // 30 left < 35
    expect(windowLow(100, 500, 0)).toBe(0);
  });
});
