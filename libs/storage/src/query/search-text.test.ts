import { MAX_SEARCH_TERMS, SearchSyntaxError, parseSearchText as parseAll } from './search-text';

/** The terms alone (the operators are checked on their own below). */
const parseSearchText = (text: string) => {
  const { include, exclude } = parseAll(text);
  return { include, exclude };
};

describe('parseSearchText', () => {
  it('splits words that must all match', () => {
    expect(parseSearchText('  hello   world\tagain ')).toEqual({ include: ['hello', 'world', 'again'], exclude: [] });
  });

  it('keeps a phrase in straight or typographic quotes as written', () => {
    expect(parseSearchText('"a  phrase" x')).toEqual({ include: ['a  phrase', 'x'], exclude: [] });
    expect(parseSearchText('“curly phrase” „german one“ «guillemets»')).toEqual({
      include: ['curly phrase', 'german one', 'guillemets'],
      exclude: [],
    });
  });

  it('excludes -word and -"phrase", keeps a hyphen inside a word', () => {
    expect(parseSearchText('cats -dogs -"hot dogs" well-known')).toEqual({
      include: ['cats', 'well-known'],
      exclude: ['dogs', 'hot dogs'],
    });
    expect(parseSearchText('-only')).toEqual({ include: [], exclude: ['only'] });
  });

  it('lets an unbalanced quote run to the end and ignores empty terms', () => {
    expect(parseSearchText('foo "bar baz')).toEqual({ include: ['foo', 'bar baz'], exclude: [] });
    expect(parseSearchText('"" - " "')).toEqual({ include: [], exclude: [] });
  });

  it('treats % _ \\ and apostrophes as literal characters, and drops duplicates', () => {
    expect(parseSearchText("100% a_b c\\d don't 100%")).toEqual({
      include: ['100%', 'a_b', 'c\\d', "don't"],
      exclude: [],
    });
  });

  it('never splits an emoji or a CJK word', () => {
    expect(parseSearchText('🌍 東京 👩‍👩‍👧')).toEqual({ include: ['🌍', '東京', '👩‍👩‍👧'], exclude: [] });
  });

  it('refuses more terms than the limit', () => {
    const many = Array.from({ length: MAX_SEARCH_TERMS + 1 }, (_, i) => `w${i}`).join(' ');
    expect(() => parseSearchText(many)).toThrow(SearchSyntaxError);
  });

  it('takes lang:, #tag, domain: and from: apart as operators, unless quoted or negated', () => {
    expect(
      parseAll('coffee lang:pt-BR #Cats ##x LANG:en domain:www.Example.com from:did:plc:abc "#quoted" -#neg #'),
    ).toEqual({
      include: ['coffee', '#quoted', '#'],
      exclude: ['#neg'],
      operators: { langs: ['pt-BR', 'en'], tags: ['Cats', '#x'], domains: ['www.Example.com'], from: ['did:plc:abc'] },
    });
    expect(parseAll('lang: nothing').operators.langs).toEqual([]);
  });
});
