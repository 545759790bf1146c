// Public API of @bsky-explorer/config: environment variables → typed, validated config (zod), every problem
// reported at once. Each app declares its variables with these and keeps its own config.ts.
export { ConfigError, parseEnv, text, integer, oneOf, url, urlList, byteSize, type Env, type Var } from './env';
