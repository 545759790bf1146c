import { GraphQLError } from 'graphql';
import { isDid, validateExportLimit, validateFilter, validateFirst } from './validation';

function codeOf(fn: () => unknown): { code: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    return { code: (err as GraphQLError).extensions.code, message: (err as GraphQLError).message };
  }
  throw new Error('expected a GraphQLError');
}

describe('validation', () => {
  it('accepts plc and web DIDs only', () => {
    expect(isDid('did:plc:z72i7hdynmk6r22z27h6tvur')).toBe(true);
    expect(isDid('did:web:example.com')).toBe(true);
    expect(isDid('did:web:localhost%3A8080')).toBe(true);
    for (const bad of [
      'alice.bsky.social',
      'did:plc:',
      'did:plc:ABC',
      "did:plc:abc' OR 1=1 --",
      'did:key:zabc',
      'did:web:',
      'did:plc:abc\n',
    ]) {
      expect(isDid(bad)).toBe(false);
    }
  });

  it('builds the store filter', () => {
    expect(validateFilter({ text: '  ', dateRange: { from: 1, to: 2 }, author: ' did:plc:abc ' })).toEqual({
      fromUs: 1,
      toUs: 2,
      author: 'did:plc:abc',
    });
    expect(validateFilter({})).toEqual({});
  });

  it('counts characters, not UTF-16 units, against the text limit', () => {
    expect(validateFilter({ text: '😀'.repeat(512) }).text).toHaveLength(1024);
    const e = codeOf(() => validateFilter({ text: 'a'.repeat(513) }));
    expect(e).toEqual({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/513 characters.*at most 512/) });
  });

  it('explains bad ranges, authors, page sizes and limits', () => {
    expect(codeOf(() => validateFilter({ dateRange: { from: 5, to: 5 } })).message).toMatch(
      /from must be earlier than/,
    );
    expect(codeOf(() => validateFilter({ author: 'not an account' })).message).toMatch(
      /author must be a DID.*or a handle/,
    );
    // A handle is valid syntax here (the store resolves it); normal form: lower-case, no "@".
    expect(validateFilter({ author: '@Alice.bsky.social', mentions: 'did:plc:bob' })).toMatchObject({
      author: 'alice.bsky.social',
      mentions: 'did:plc:bob',
    });
    expect(codeOf(() => validateFirst(0, 50, 1000)).message).toMatch(/between 1 and 1000 \(got 0\)/);
    expect(codeOf(() => validateFirst(1001, 50, 1000)).code).toBe('BAD_USER_INPUT');
    expect(validateFirst(null, 50, 1000)).toBe(50);
    expect(codeOf(() => validateExportLimit(0, 10)).code).toBe('BAD_USER_INPUT');
    expect(codeOf(() => validateExportLimit(11, 10)).code).toBe('EXPORT_TOO_LARGE');
    expect(validateExportLimit(10, 10)).toBe(10);
    expect(validateExportLimit(undefined, 10)).toBeUndefined();
  });
});
