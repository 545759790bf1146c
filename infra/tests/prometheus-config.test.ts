import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@bsky-explorer/testing';
import { stringify } from 'yaml';
import {
  ALERTS_FILE,
  PROMETHEUS_DIR,
  ROOT,
  alertDataExpressions,
  loadAlertRules,
  loadDashboardQueries,
  loadDashboards,
  markdownAnchors,
  run,
  substituteGrafanaVariables,
} from './_util';
import { describeWith, tools } from './_tools';

// Debian's promtool (Prometheus 2.42) validates the files Prometheus loads in the compose stack.
describeWith('the promtool checks', tools.promtool())('Prometheus configuration and alert rules', () => {
  it('promtool check config accepts prometheus.yml (and the rule file it names)', async () => {
    const result = await run('promtool', ['check', 'config', join(PROMETHEUS_DIR, 'prometheus.yml')]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('promtool check rules accepts alerts.yml', async () => {
    const result = await run('promtool', ['check', 'rules', ALERTS_FILE]);
    expect(result.stdout).toContain(`SUCCESS: ${loadAlertRules().length} rules found`);
    expect(result.code).toBe(0);
  });

  it('every alert fires on its condition and stays quiet next to it (promtool test rules)', async () => {
    const result = await run('promtool', ['test', 'rules', join(__dirname, 'alerts.rules-test.yml')]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
    // ... and the unit tests cover every alert.
    const tested = new Set(
      [...(await readFile(join(__dirname, 'alerts.rules-test.yml'), 'utf8')).matchAll(/alertname: (\w+)/g)].map(
        (m) => m[1],
      ),
    );
    expect(
      loadAlertRules()
        .map((r) => r.alert)
        .filter((a) => !tested.has(a)),
    ).toEqual([]);
  });

  it('every alert has a severity, summary, description and a runbook link to an existing docs/monitoring.md heading', async () => {
    const anchors = markdownAnchors(await readFile(join(ROOT, 'docs/monitoring.md'), 'utf8'));
    const problems: string[] = [];
    for (const rule of loadAlertRules()) {
      if (!['critical', 'warning'].includes(rule.labels?.severity ?? '')) problems.push(`${rule.alert}: severity`);
      if (!rule.annotations?.summary) problems.push(`${rule.alert}: summary`);
      if (!rule.annotations?.description) problems.push(`${rule.alert}: description`);
      const m = /^docs\/monitoring\.md#(.+)$/.exec(rule.annotations?.runbook_url ?? '');
      if (!m || !anchors.has(m[1]))
        problems.push(`${rule.alert}: runbook_url ${rule.annotations?.runbook_url} has no heading`);
    }
    expect(problems).toEqual([]);
  });

  it('covers the alerts the issue asks for', () => {
    expect(loadAlertRules().map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'TargetDown',
        'JetstreamDisconnected',
        'IngestLagHigh',
        'IngestNoRecentFlush',
        'IngestDeadLettersHigh',
        'IngestFlushErrors',
        'RedisMemoryHigh',
        'DataDiskFull',
        'GraphQLErrorRateHigh',
        'GraphQLLatencyHigh',
      ]),
    );
  });

  it('every dashboard expression, and each data part of every alert, is valid PromQL (promtool check rules)', async () => {
    const exprs = [
      ...loadDashboardQueries().map((q) => substituteGrafanaVariables(q.expr)),
      ...loadAlertRules().flatMap((r) => alertDataExpressions(r.expr)),
    ];
    expect(exprs.length).toBeGreaterThan(40);
    // promtool parses PromQL only inside rule files: one recording rule per expression.
    const rules = {
      groups: [{ name: 'parse-check', rules: exprs.map((expr, i) => ({ record: `check:expr_${i}`, expr })) }],
    };
    const tmp = await makeTempDir('bsky-promql-');
    try {
      const file = join(tmp.path, 'exprs.yml');
      await writeFile(file, stringify(rules));
      const result = await run('promtool', ['check', 'rules', file]);
      expect(result.stdout + result.stderr).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(result.code).toBe(0);
    } finally {
      await tmp.remove();
    }
  });
});

describe('alertDataExpressions (the rule used to query normally-empty alerts)', () => {
  it('keeps the left-hand side of the deciding comparison and splits set operators', () => {
    expect(alertDataExpressions('up{job=~"a|b"} == 0')).toEqual(['up{job=~"a|b"}']);
    expect(alertDataExpressions('(time() - a > 600) and (time() - b > 600)')).toEqual(['time() - a', 'time() - b']);
    expect(alertDataExpressions('x / (y > 0) > 0.8')).toEqual(['x / (y > 0)']);
    expect(
      alertDataExpressions(
        'sum by (i) (rate(a[5m])) / sum by (i) (rate(b[5m])) > 0.05 and on (i) sum by (i) (rate(b[5m])) > 0.05',
      ),
    ).toEqual(['sum by (i) (rate(a[5m])) / sum by (i) (rate(b[5m]))', 'sum by (i) (rate(b[5m]))']);
    expect(alertDataExpressions('a{l!="x"} >= 1')).toEqual(['a{l!="x"}']);
  });
});

describe('Grafana dashboards', () => {
  it('are provisioned from files, use the provisioned Prometheus datasource, and have unique uids', () => {
    const dashboards = loadDashboards();
    expect(dashboards.map((d) => d.file)).toEqual(['host.json', 'ingest.json', 'query.json', 'redis.json']);
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const d of dashboards) {
      for (const p of d.json.panels as unknown as { datasource: { uid: string } }[])
        expect(p.datasource.uid).toBe('prometheus');
    }
  });

  it('show what the issue lists (each metric family of docs/metrics.md appears somewhere)', async () => {
    const all = loadDashboardQueries()
      .map((q) => q.expr)
      .join('\n');
    const metricsDoc = await readFile(join(ROOT, 'docs/metrics.md'), 'utf8');
    const documented = [...metricsDoc.matchAll(/`((?:ingest|graph)_[a-z_]+)`/g)]
      .map((m) => m[1])
      .filter((n) => !n.endsWith('_'));
    expect(documented.length).toBeGreaterThan(25);
    expect(documented.filter((name) => !all.includes(name))).toEqual([]);
    for (const family of ['ingest_process_cpu_seconds_total', 'graph_process_resident_memory_bytes'])
      expect(all).toContain(family);
  });
});
