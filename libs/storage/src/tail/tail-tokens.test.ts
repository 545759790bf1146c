import { TailTokens } from './tail-tokens';

describe('the tail text index of one generation', () => {
  const index = () => {
    const t = new TailTokens(3);
    t.add('social', [1, 4]);
    t.add('antisocial', [2]);
    t.add('the', [0, 1, 2]);
    t.add('οδός', [5]);
    t.add('猫が好き', [6]);
    return t;
  };

  it('finds the rows of every token containing a part, each once, in rowid order', () => {
    expect(index().candidates(['social'])).toEqual({ part: 'social', rows: [1, 2, 4] });
    expect(index().candidates(['ntisoc'])).toEqual({ part: 'ntisoc', rows: [2] });
    expect(index().candidates(['猫'])).toEqual({ part: '猫', rows: [6] });
  });

  it('takes the part with the fewest postings, and a part no token holds gives no rows', () => {
    expect(index().candidates(['social', 'anti'])).toEqual({ part: 'anti', rows: [2] });
    expect(index().candidates(['social', 'zanzibar'])).toEqual({ part: 'zanzibar', rows: [] });
  });

  it('compares sigma-folded parts with sigma-folded tokens', () => {
    // termPartsSql folds ς to σ: "ΟΔΟΣ" → "οδοσ", which the token "οδός" does not hold unless folded (ό ≠ ο).
    expect(index().candidates(['δόσ'])).toEqual({ part: 'δόσ', rows: [5] });
    expect(index().candidates(['όσ'])).toEqual({ part: 'όσ', rows: [5] });
  });

  it('stops keeping a token past its bound (common): a part inside it does not narrow, unless another part does', () => {
    const t = index();
    expect(t.candidates(['the'])).toEqual({ part: 'the', rows: [0, 1, 2] });
    t.add('the', [7]);
    expect(t.candidates(['the'])).toBeUndefined();
    expect(t.candidates(['th'])).toBeUndefined();
    expect(t.candidates(['the', 'antisocial'])).toEqual({ part: 'antisocial', rows: [2] });
    t.add('the', [8]);
    expect(t.stats()).toMatchObject({ tokens: 5, common: 1, postings: 5 });
  });

  it('does not narrow by parts whose tokens hold more rows together than the bound', () => {
    const t = new TailTokens(3);
    t.add('ab1', [1, 2]);
    t.add('ab2', [3, 4]);
    expect(t.candidates(['ab'])).toBeUndefined();
    expect(t.candidates(['ab1'])).toEqual({ part: 'ab1', rows: [1, 2] });
    expect(t.candidates([])).toBeUndefined();
  });
});
