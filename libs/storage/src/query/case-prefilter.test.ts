import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { casePrefilterRegex } from './case-prefilter';

describe('casePrefilterRegex', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    conn = await instance.connect();
  });
  afterAll(() => {
    conn.closeSync();
    instance.closeSync();
  });

  it("rests on DuckDB's lower(): one code point each, ASCII only from A-Z, U+0130 and U+212A", async () => {
    const reader = await conn.runAndReadAll(`
      SELECT count(*) FILTER (WHERE length(lower(chr(r::INT))) <> 1) AS multi,
             list(r ORDER BY r) FILTER (WHERE ascii(lower(chr(r::INT))) < 128 AND lower(chr(r::INT)) <> chr(r::INT)) AS to_ascii
      FROM range(1, 1114112) t(r) WHERE NOT (r BETWEEN 55296 AND 57343)`);
    const [row] = reader.getRowObjectsJS();
    expect(Number(row.multi)).toBe(0);
    const upper = Array.from({ length: 26 }, (_, i) => 65 + i);
    expect((row.to_ascii as bigint[]).map(Number)).toEqual([...upper, 0x130, 0x212a]);
  });

  it('matches every text whose lower() contains the term, and escapes regex syntax', async () => {
    const cases: [string, string][] = [
      ['Miyaana', 'xx MIYAANA yy'],
      ['istanbul', 'İSTANBUL'],
      ['kelvin', '\u212Aelvin'],
      ['a.b*(c)[d]{2}|^$\\', 'A.B*(C)[D]{2}|^$\\'],
      ['você que', 'VOCÊ QUE'],
      ['line\nbreak', 'LINE\nBREAK'],
      ['ΣΟΦΊΑ', 'σοφία'],
      ['ok👍', 'OK👍'],
    ];
    for (const [term, text] of cases) {
      const reader = await conn.runAndReadAll(
        'SELECT contains(lower($text), lower($term)) AS exact, regexp_matches($text, $re) AS pre',
        { text, term, re: casePrefilterRegex(term) },
      );
      expect(reader.getRowObjectsJS()[0]).toEqual({ exact: true, pre: true });
    }
    // Regex syntax in a term is literal.
    const reader = await conn.runAndReadAll('SELECT regexp_matches($text, $re) AS pre', {
      text: 'axb',
      re: casePrefilterRegex('a.b'),
    });
    expect(reader.getRowObjectsJS()[0].pre).toBe(false);
  });
});
