import {
  boolean,
  byteSize,
  ConfigError,
  integer,
  oneOf,
  optionalInteger,
  origins,
  parseEnv,
  text,
  url,
  urlList,
  type Var,
} from './env';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('parseEnv', () => {
  const schema = {
    NAME: text('x'),
    OPTIONAL: text(),
    PORT: integer(80, 0, 65_535),
    LEVEL: oneOf(['a', 'b'] as const, 'a'),
    REDIS: url(['redis:']),
    HOSTS: urlList(['ws:', 'wss:'], ['ws://default']),
    MEM: byteSize('1GB'),
    LIMIT: byteSize(),
  };

  it('applies defaults; a blank value counts as unset', () => {
    expect(parseEnv(schema, { NAME: '  ', PORT: '' })).toEqual({
      NAME: 'x',
      OPTIONAL: undefined,
      PORT: 80,
      LEVEL: 'a',
      REDIS: undefined,
      HOSTS: ['ws://default'],
      MEM: '1GB',
      LIMIT: undefined,
    });
  });

  it('parses and trims given values', () => {
    expect(
      parseEnv(schema, {
        NAME: ' n ',
        OPTIONAL: 'o',
        PORT: ' 0 ',
        LEVEL: 'b',
        REDIS: 'redis://h:1',
        HOSTS: 'ws://a, wss://b ,',
        MEM: '512MiB',
      }),
    ).toEqual({
      NAME: 'n',
      OPTIONAL: 'o',
      PORT: 0,
      LEVEL: 'b',
      REDIS: 'redis://h:1',
      HOSTS: ['ws://a', 'wss://b'],
      MEM: '512MiB',
    });
  });

  it('reports every problem at once, named, then the cross-variable checks', () => {
    const problems = problemsOf(() =>
      parseEnv(schema, { PORT: '1.5', LEVEL: 'c', REDIS: 'http://h', HOSTS: 'ws://ok,http://no', MEM: 'lots' }, (v) => [
        v.NAME === 'x' && 'NAME must not be x',
        v.PORT !== undefined && 'never: PORT failed',
      ]),
    );
    expect(problems).toEqual([
      'PORT must be an integer, got "1.5"',
      'LEVEL must be one of a, b, got "c"',
      'REDIS must be a redis:// URL, got a value of 8 characters',
      'HOSTS entry is not a ws:// or wss:// URL, got a value of 9 characters (entry 2 of 2)',
      'MEM must be a size such as 4GB or 512MB, got "lots"',
      'NAME must not be x',
    ]);
  });

  it('bounds integers and refuses an empty URL list', () => {
    expect(problemsOf(() => parseEnv(schema, { PORT: '70000', HOSTS: ' , ' }))).toEqual([
      'PORT must be between 0 and 65535, got 70000',
      'HOSTS lists no URL',
    ]);
  });
});

describe('variables', () => {
  const one = <T>(v: Var<T>, value: string | undefined): T => parseEnv({ X: v }, { X: value }).X;
  const problem = (v: Var<unknown>, value: string) => problemsOf(() => parseEnv({ X: v }, { X: value }));

  it('boolean: 1/true/yes/on and 0/false/no/off in any case, the fallback when unset', () => {
    for (const t of ['1', 'true', 'TRUE', 'Yes', 'on']) expect(one(boolean(false), t)).toBe(true);
    for (const f of ['0', 'false', 'False', 'NO', 'off']) expect(one(boolean(true), f)).toBe(false);
    expect(one(boolean(true), undefined)).toBe(true);
    expect(one(boolean(), undefined)).toBeUndefined();
    expect(problem(boolean(false), 'maybe')).toEqual(['X must be true or false, got "maybe"']);
  });

  it('optionalInteger: undefined when unset, bounded when given', () => {
    expect(one(optionalInteger(1, 10), undefined)).toBeUndefined();
    expect(one(optionalInteger(1, 10), '10')).toBe(10);
    expect(problem(optionalInteger(1, 10), '0')).toEqual(['X must be between 1 and 10, got 0']);
    expect(problem(optionalInteger(1, 10), 'two')).toEqual(['X must be an integer, got "two"']);
  });

  it('url: the scheme and a host are required', () => {
    const http = url(['http:', 'https:']);
    expect(one(http, 'https://x.example/a')).toBe('https://x.example/a');
    expect(one(url(['redis:']), 'redis://:pw@h:6379/0')).toBe('redis://:pw@h:6379/0');
    for (const bad of ['ftp://x.example', 'x.example', 'http:x.example', 'https://']) {
      expect(problem(http, bad)).toEqual([
        `X must be a http:// or https:// URL, got a value of ${bad.length} characters`,
      ]);
    }
    expect(problem(url(['redis:']), 'redis://')).toHaveLength(1);
    expect(problem(url(['redis:']), 'redis:///tmp/sock')).toHaveLength(1);
  });

  it('never echoes a rejected URL: it may hold a password', () => {
    const password = 's3cr3t-Pa55word';
    for (const [v, value] of [
      [url(['rediss:']), `redis://:${password}@redis:6379`],
      [urlList(['wss:'], []), `wss://ok.example, ws://user:${password}@host/s`],
      [origins(), `https://user:${password}@app.example.org`],
    ] as const) {
      let message = '';
      try {
        parseEnv({ X: v }, { X: value });
      } catch (err) {
        if (err instanceof ConfigError) message = err.message;
      }
      expect(message).toMatch(/^invalid configuration:\n {2}- X /);
      expect(message).not.toContain(password);
    }
  });

  it('origins: http(s) origins only, no path, no "*"; none when unset', () => {
    expect(one(origins(), undefined)).toEqual([]);
    expect(one(origins(), ' https://app.example.org, http://localhost:5173 ,')).toEqual([
      'https://app.example.org',
      'http://localhost:5173',
    ]);
    for (const bad of [
      '*',
      'https://app.example.org/',
      'https://app.example.org/path',
      'ftp://x.example',
      'app.example.org',
    ]) {
      expect(problem(origins(), bad)).toEqual([
        `X entry is not an origin such as https://app.example.org (no path, no "*"), got a value of ${bad.length} characters (entry 1 of 1)`,
      ]);
    }
    expect(problem(origins(), 'https://ok.example,*,HTTPS://Upper.example')).toHaveLength(2);
  });
});
