import { byteSize, ConfigError, integer, oneOf, parseEnv, text, url, urlList } from './env';

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
      'REDIS must be a redis:// URL, got "http://h"',
      'HOSTS entry is not a ws:// or wss:// URL: "http://no"',
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
