// Shared helpers for the infra checks: repository paths, running CLI tools, and the PromQL expressions used by
// the dashboards and the alert rules.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(__dirname, '../..');
export const COMPOSE_DIR = join(ROOT, 'infra/compose');
export const PROMETHEUS_DIR = join(COMPOSE_DIR, 'prometheus');
export const ALERTS_FILE = join(PROMETHEUS_DIR, 'alerts.yml');
export const DASHBOARDS_DIR = join(ROOT, 'infra/grafana/dashboards');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (no shell); never rejects, the exit code is in the result. */
export function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((done) => {
    execFile(
      cmd,
      args,
      { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function loadAlertRules(): AlertRule[] {
  const doc = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

interface Panel {
  title: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

export function loadDashboards(): {
  file: string;
  json: { uid: string; title: string; panels: Panel[]; templating?: { list: unknown[] } };
}[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) }));
}

/** Every PromQL expression of every panel (rows' nested panels included) of every provisioned dashboard. */
export function loadDashboardQueries(): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const walk = (dashboard: string, panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ dashboard, panel: p.title, expr: t.expr });
      if (p.panels) walk(dashboard, p.panels);
    }
  };
  for (const d of loadDashboards()) walk(d.file, d.json.panels);
  return out;
}

/**
 * Grafana's built-in variables replaced by what Grafana would send for a short range with a 1 s scrape
 * interval. The dashboards define no template variables of their own; any other `$name` is an error.
 */
export function substituteGrafanaVariables(expr: string, rateInterval = '1m'): string {
  const out = expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h');
  const left = /\$\{?\w+/.exec(out);
  if (left) throw new Error(`unknown Grafana variable ${left[0]} in ${expr}`);
  return out;
}

/**
 * The parts of an alert expression that must return data on a healthy, running system, where the whole
 * expression is normally empty. The rule: split at top-level `and`/`or`/`unless` (dropping their `on(...)` /
 * `ignoring(...)` modifiers), unwrap parentheses around a whole part, and keep the left-hand side of the first
 * top-level comparison (`> 600`, `== 0`, ...). Comparisons nested inside parentheses or function calls (such as the
 * `(maxmemory > 0)` guard) stay: they filter, they do not decide whether the alert fires.
 */
export function alertDataExpressions(expr: string): string[] {
  const parts = splitTopLevel(expr.trim());
  if (parts.length > 1) return parts.flatMap(alertDataExpressions);
  const unwrapped = unwrapParens(expr.trim());
  if (unwrapped !== expr.trim()) return alertDataExpressions(unwrapped);
  const cut = firstTopLevelComparison(unwrapped);
  return [cut === -1 ? unwrapped : unwrapped.slice(0, cut).trim()];
}

// Walks `s` yielding (index, depth) outside string literals; depth counts (), [] and {}.
function* scan(s: string): Generator<[number, number]> {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    yield [i, depth];
  }
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const [i, depth] of scan(s)) {
    if (depth !== 0) continue;
    const m = /^\s(and|or|unless)\s/.exec(s.slice(i));
    if (m && i >= start) {
      parts.push(s.slice(start, i).trim());
      start = i + m[0].length;
    }
  }
  if (parts.length === 0) return [s];
  parts.push(s.slice(start).trim());
  // `and on (job, instance) rhs`: drop the vector-matching modifier.
  return parts.map((p) =>
    p.replace(/^(on|ignoring)\s*\([^)]*\)\s*/, '').replace(/^group_(left|right)\s*(\([^)]*\))?\s*/, ''),
  );
}

function unwrapParens(s: string): string {
  if (!s.startsWith('(') || !s.endsWith(')')) return s;
  for (const [i, depth] of scan(s)) if (depth === 0 && i < s.length - 1) return s;
  return s.slice(1, -1).trim();
}

function firstTopLevelComparison(s: string): number {
  for (const [i, depth] of scan(s)) {
    if (depth !== 0) continue;
    const two = s.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '>=' || two === '<=') return i;
    if ((s[i] === '>' || s[i] === '<') && s[i + 1] !== '=') return i;
  }
  return -1;
}

/** GitHub's heading anchors: lower case, spaces to dashes, punctuation dropped. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    anchors.add(
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

/** Starts a long-running process with its output collected (for failure messages). */
export function startProcess(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

/** SIGTERM, SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}
