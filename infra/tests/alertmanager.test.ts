import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeTempDir, waitFor } from '@bsky-explorer/testing';
import { parse, stringify } from 'yaml';
import { COMPOSE_DIR, PROMETHEUS_DIR, run, startProcess, stopProcess } from './_util';
import { all, describeWith, tools } from './_tools';

// The shipped Alertmanager setup, end to end with Debian's prometheus and prometheus-alertmanager: the compose
// service's own entrypoint (alertmanager/render.sh) renders the shipped alertmanager.yml with a webhook URL and
// starts Alertmanager; a Prometheus evaluating an always-firing rule sends to it; the alert must arrive at a local
// webhook receiver (a plain HTTP server here) as Alertmanager's webhook JSON.
const AM_DIR = join(COMPOSE_DIR, 'alertmanager');
const TEMPLATE = join(AM_DIR, 'alertmanager.yml');
const RENDER = join(AM_DIR, 'render.sh');

interface WebhookCall {
  url: string;
  body: {
    version: string;
    status: string;
    receiver: string;
    alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
  };
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((done) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => done(data));
  });

describe('Alertmanager configuration as shipped', () => {
  it('is wired into Prometheus and the compose stack, with the webhook URL from .env', async () => {
    const prom = parse(await readFile(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
    const compose = parse(await readFile(join(COMPOSE_DIR, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { entrypoint?: string[]; environment?: Record<string, string>; volumes?: string[] }>;
    };
    const am = compose.services.alertmanager;
    expect(am.entrypoint).toEqual(['/bin/sh', '/etc/alertmanager/render.sh']);
    expect(am.environment?.ALERT_WEBHOOK_URL).toMatch(/^\$\{ALERT_WEBHOOK_URL:\?/);
    expect(am.volumes).toEqual(
      expect.arrayContaining([
        './alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml.in:ro',
        './alertmanager/render.sh:/etc/alertmanager/render.sh:ro',
      ]),
    );
    // One placeholder, one webhook receiver that also reports resolution.
    const template = await readFile(TEMPLATE, 'utf8');
    expect(template.match(/__ALERT_WEBHOOK_URL__/g)).toHaveLength(1);
    const config = parse(template) as { receivers: { name: string; webhook_configs?: { send_resolved: boolean }[] }[] };
    expect(config.receivers.map((r) => r.name)).toEqual(['webhook']);
    expect(config.receivers[0].webhook_configs?.[0].send_resolved).toBe(true);
  });
});

describeWith('the Alertmanager delivery test', all(tools.prometheus(), tools.alertmanager(), tools.amtool()))(
  'a firing rule reaches a local webhook receiver through the shipped Alertmanager config',
  () => {
    let tmp: { path: string; remove: () => Promise<void> };
    let server: Server;
    const calls: WebhookCall[] = [];
    const procs: ReturnType<typeof startProcess>[] = [];

    beforeAll(async () => {
      tmp = await makeTempDir('bsky-alertmanager-');
      server = createServer(async (req, res) => {
        calls.push({ url: req.url ?? '', body: JSON.parse(await readBody(req)) as WebhookCall['body'] });
        res.writeHead(200).end();
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    });

    afterAll(async () => {
      for (const p of [...procs].reverse()) await stopProcess(p.child);
      await new Promise((done) => server?.close(done));
      await tmp?.remove();
    });

    it('renders with a URL holding & and |, passes amtool check-config, and delivers the alert (firing) as webhook JSON', async () => {
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('no address');
      // A query with & and | checks render.sh's escaping for sed.
      const webhookUrl = `http://127.0.0.1:${address.port}/hook?token=s3cr3t&x=a|b`;
      const [amPort, promPort] = [await freePort(), await freePort()];
      const amConfig = join(tmp.path, 'alertmanager.yml');
      const am = startProcess(
        'sh',
        [
          RENDER,
          `--storage.path=${join(tmp.path, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ],
        {
          PATH: process.env.PATH,
          ALERT_WEBHOOK_URL: webhookUrl,
          AM_TEMPLATE: TEMPLATE,
          AM_CONFIG: amConfig,
          AM_BIN: 'prometheus-alertmanager',
        },
      );
      procs.push(am);

      const rules = join(tmp.path, 'rules.yml');
      await writeFile(
        rules,
        stringify({
          groups: [
            {
              name: 'delivery-test',
              rules: [
                {
                  alert: 'DeliveryTestAlwaysFiring',
                  expr: 'vector(1) > 0',
                  labels: { severity: 'critical', job: 'delivery-test' },
                  annotations: { summary: 'fires at once so that delivery can be checked' },
                },
              ],
            },
          ],
        }),
      );
      const promConfig = join(tmp.path, 'prometheus.yml');
      await writeFile(
        promConfig,
        stringify({
          global: { evaluation_interval: '1s' },
          rule_files: [rules],
          alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        }),
      );
      procs.push(
        startProcess(
          'prometheus',
          [
            `--config.file=${promConfig}`,
            `--storage.tsdb.path=${join(tmp.path, 'tsdb')}`,
            `--web.listen-address=127.0.0.1:${promPort}`,
            '--log.level=warn',
          ],
          process.env,
        ),
      );

      try {
        await waitFor(
          'alertmanager /-/ready',
          async () => ((await fetch(`http://127.0.0.1:${amPort}/-/ready`)).ok ? true : undefined),
          60_000,
          250,
        );
        // The rendered file is the shipped one with the URL in place, and valid for amtool.
        const rendered = await readFile(amConfig, 'utf8');
        expect(rendered).toBe((await readFile(TEMPLATE, 'utf8')).replace('__ALERT_WEBHOOK_URL__', webhookUrl));
        const check = await run('amtool', ['check-config', amConfig]);
        expect([check.code, check.stdout]).toEqual([0, expect.stringContaining('SUCCESS')]);

        // The shipped route waits group_wait (30 s) before the first notification of a group.
        const call = await waitFor('the webhook to be called', async () => calls[0], 90_000, 500);
        expect(call.url).toBe('/hook?token=s3cr3t&x=a|b');
        expect(call.body.receiver).toBe('webhook');
        expect(call.body.status).toBe('firing');
        expect(call.body.alerts[0].labels).toMatchObject({
          alertname: 'DeliveryTestAlwaysFiring',
          severity: 'critical',
        });
        expect(call.body.alerts[0].annotations.summary).toContain('fires at once');
      } catch (err) {
        throw new Error(`${String(err)}\n--- alertmanager\n${am.output()}\n--- prometheus\n${procs[1].output()}`);
      }
    });
  },
);
