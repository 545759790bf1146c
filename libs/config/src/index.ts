// Public API of @bsky-explorer/config: environment variables → typed, validated config (zod), every problem
// reported at once. Each app declares its variables with these and keeps its own config.ts.
export {
  ConfigError,
  parseEnv,
  text,
  integer,
  optionalInteger,
  boolean,
  oneOf,
  url,
  urlList,
  origins,
  byteSize,
  type Env,
  type Var,
  type Values,
} from './env';
