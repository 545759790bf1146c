// Environment variables → typed config, on zod. Every variable is parsed on its own so that every problem is
// collected, then all are reported together (ConfigError): an operator fixes a deployment in one round.
// A blank value counts as unset. Messages read "<NAME> must be …, got …".
import { z } from 'zod';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** One variable: a zod schema from the raw string (undefined when unset or blank) to its value. */
export type Var<T> = z.ZodType<T, string | undefined>;

const raw = z.string().optional();

/** A string, trimmed; `fallback` when unset. */
export function text(fallback: string): Var<string>;
export function text(): Var<string | undefined>;
export function text(fallback?: string): Var<string | undefined> {
  return raw.transform((v) => v ?? fallback);
}

/** An integer in [min, max]; `fallback` when unset. */
export function integer(fallback: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Var<number> {
  return raw.transform((v, ctx) => (v === undefined ? fallback : toInteger(v, ctx, min, max)));
}

/** An integer in [min, max]; undefined when unset (the caller derives the default, e.g. from another variable). */
export function optionalInteger(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Var<number | undefined> {
  return raw.transform((v, ctx) => (v === undefined ? undefined : toInteger(v, ctx, min, max)));
}

function toInteger(v: string, ctx: z.RefinementCtx, min: number, max: number): number {
  if (!/^-?\d+$/.test(v)) {
    ctx.addIssue({ code: 'custom', message: `must be an integer, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  const n = Number(v);
  if (n < min || n > max) {
    ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}, got ${n}` });
    return z.NEVER;
  }
  return n;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** A flag: 1/true/yes/on or 0/false/no/off, any case; `fallback` (or undefined without one) when unset. */
export function boolean(fallback: boolean): Var<boolean>;
export function boolean(): Var<boolean | undefined>;
export function boolean(fallback?: boolean): Var<boolean | undefined> {
  return raw.transform((v, ctx) => {
    if (v === undefined) return fallback;
    if (TRUE.includes(v.toLowerCase())) return true;
    if (FALSE.includes(v.toLowerCase())) return false;
    ctx.addIssue({ code: 'custom', message: `must be true or false, got ${JSON.stringify(v)}` });
    return z.NEVER;
  });
}

/** One of `values`; `fallback` when unset. */
export function oneOf<const T extends readonly string[]>(values: T, fallback: T[number]): Var<T[number]> {
  return raw.transform((v, ctx) => {
    if (v === undefined) return fallback;
    if ((values as readonly string[]).includes(v)) return v as T[number];
    ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}, got ${JSON.stringify(v)}` });
    return z.NEVER;
  });
}

// A URL may hold a password (redis://:secret@host): a rejected one is described by its length, never echoed,
// so that the ConfigError can be logged.

/** A URL whose scheme is one of `protocols` (e.g. ['redis:', 'rediss:']), with a host; undefined when unset. */
export function url(protocols: readonly string[]): Var<string | undefined> {
  return raw.transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (isUrl(v, protocols)) return v;
    ctx.addIssue({ code: 'custom', message: `must be a ${schemes(protocols)} URL, got ${described(v)}` });
    return z.NEVER;
  });
}

/** A comma-separated list of URLs with one of `protocols`, at least one; `fallback` when unset. */
export function urlList(protocols: readonly string[], fallback: readonly string[]): Var<string[]> {
  return raw.transform((v, ctx) => {
    if (v === undefined) return [...fallback];
    const urls = entries(v);
    if (urls.length === 0) ctx.addIssue({ code: 'custom', message: 'lists no URL' });
    urls.forEach((u, i) => {
      if (!isUrl(u, protocols))
        ctx.addIssue({
          code: 'custom',
          message: `entry is not a ${schemes(protocols)} URL, got ${described(u)} (entry ${i + 1} of ${urls.length})`,
        });
    });
    return urls;
  });
}

/**
 * A comma-separated list of web origins (http(s)://host[:port], as a browser sends them in Origin: no path, no
 * trailing slash, no "*", lower case), for CORS; empty when unset.
 */
export function origins(): Var<string[]> {
  return raw.transform((v, ctx) => {
    const list = entries(v ?? '');
    list.forEach((o, i) => {
      if (!isOrigin(o))
        ctx.addIssue({
          code: 'custom',
          message:
            'entry is not an origin such as https://app.example.org (no path, no "*"), ' +
            `got ${described(o)} (entry ${i + 1} of ${list.length})`,
        });
    });
    return list;
  });
}

/** A memory size such as 4GB or 512MiB (passed on as written); `fallback` when unset (none: undefined). */
export function byteSize(fallback: string): Var<string>;
export function byteSize(): Var<string | undefined>;
export function byteSize(fallback?: string): Var<string | undefined> {
  return raw.transform((v, ctx) => {
    const s = v ?? fallback;
    if (s === undefined) return undefined;
    if (/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(s)) return s;
    ctx.addIssue({ code: 'custom', message: `must be a size such as 4GB or 512MB, got ${JSON.stringify(s)}` });
    return z.NEVER;
  });
}

const schemes = (protocols: readonly string[]) => protocols.map((p) => `${p}//`).join(' or ');

const described = (v: string) => `a value of ${v.length} characters`;

const entries = (list: string) =>
  list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function isUrl(s: string, protocols: readonly string[]): boolean {
  try {
    const u = new URL(s);
    // WHATWG URL takes "http:host" as http://host/ and "redis://" with no host: neither is a usable address.
    return protocols.includes(u.protocol) && s.toLowerCase().startsWith(`${u.protocol}//`) && u.host !== '';
  } catch {
    return false;
  }
}

function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
  } catch {
    return false;
  }
}

/** What parseEnv returns for `schema` S: each variable's parsed value. */
export type Values<S extends Record<string, Var<unknown>>> = { [K in keyof S]: z.output<S[K]> };

/**
 * Parses every variable of `schema` from `env`, then runs `checks` (rules across variables) on the ones that
 * parsed. Throws one ConfigError with every problem, in schema order, then the checks' problems.
 */
export function parseEnv<S extends Record<string, Var<unknown>>>(
  schema: S,
  env: Env,
  checks: (values: Partial<Values<S>>) => (string | false | undefined)[] = () => [],
): Values<S> {
  const problems: string[] = [];
  const values: Partial<Values<S>> = {};
  for (const name of Object.keys(schema) as (keyof S & string)[]) {
    const given = env[name]?.trim();
    const result = schema[name].safeParse(given === '' ? undefined : given);
    if (result.success) values[name] = result.data as Values<S>[typeof name];
    else for (const issue of result.error.issues) problems.push(`${name} ${issue.message}`);
  }
  for (const p of checks(values)) if (p) problems.push(p);
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Values<S>;
}
