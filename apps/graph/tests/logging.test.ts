import { asPosts, memoryLogger, post, SEARCH, startTestGraph, type TestGraph } from './_util';

// Client errors are the client's business: debug, one line, no stack. Only masked unexpected errors reach
// the error level (an attacker sending bad input must not be able to flood the error log).

const ERROR = 50;
const mem = memoryLogger();
let t: TestGraph;
beforeAll(async () => {
  t = await startTestGraph(asPosts([post({ text: 'hello' })]), {}, { listen: true, logger: mem.logger });
});
afterAll(() => t.close());

describe('error logging', () => {
  it('logs BAD_USER_INPUT, INVALID_CURSOR and validation errors at debug without a stack', async () => {
    const bad = [
      await t.http(SEARCH, { first: 0 }),
      await t.http(SEARCH, { after: 'garbage' }),
      await t.http(SEARCH, { author: 'alice.example' }),
      await t.http(SEARCH, { dateRange: { from: 'yesterday' } }),
      await t.http('{ searchPosts { nope } }'),
      await t.http('mutation { exportPosts(limit: 0) { url } }'),
    ];
    expect(bad.map((r) => r.errors?.[0].extensions?.code)).toEqual([
      'BAD_USER_INPUT',
      'INVALID_CURSOR',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'GRAPHQL_VALIDATION_FAILED',
      'BAD_USER_INPUT',
    ]);
    const lines = mem.lines();
    expect(lines.filter((l) => l.level >= ERROR)).toEqual([]);
    const clientLines = lines.filter((l) => l.msg === 'client error');
    expect(clientLines.map((l) => l.code)).toEqual(expect.arrayContaining(['BAD_USER_INPUT', 'INVALID_CURSOR']));
    for (const l of clientLines) {
      expect(l.level).toBe(20);
      expect(JSON.stringify(l)).not.toMatch(/\n\s+at /);
    }
  });

  it('logs a masked unexpected error at error, with its stack', async () => {
    const store = t.graph.store;
    const original = store.search.bind(store);
    store.search = () => Promise.reject(new Error('disk on fire'));
    try {
      const res = await t.http(SEARCH, {});
      expect(res.errors).toEqual([
        expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
      ]);
    } finally {
      store.search = original;
    }
    const errors = mem.lines().filter((l) => l.level >= ERROR);
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toBe('unexpected error in a resolver');
    expect(errors[0].err?.stack).toMatch(/disk on fire\n\s+at /);
  });
});
