import { nextSearchBatch } from './search-batch';

describe('nextSearchBatch', () => {
  it('asks for what is still needed at the share of candidates that matched, ×4 after none matched, capped', () => {
    expect(nextSearchBatch(55, 50, 1)).toBe(Math.ceil((1.25 * 55) / 50) + 4); // one short: a few more, not 220
    expect(nextSearchBatch(55, 11, 40)).toBe(250 + 4); // one in five matched: five candidates per post still needed
    expect(nextSearchBatch(55, 0, 51)).toBe(220);
    expect(nextSearchBatch(4000, 0, 51)).toBe(4096);
  });
});
