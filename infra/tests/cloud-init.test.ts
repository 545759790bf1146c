import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@bsky-explorer/testing';
import { parse } from 'yaml';
import { COMPOSE_DIR, ROOT, run } from './_util';
import { all, describeWith, probe, tools } from './_tools';

// infra/hetzner: cloud-init user data (an OpenTofu template) and the OpenTofu configuration that renders it. The
// schema check is cloud-init's own (`cloud-init schema`, Debian package cloud-init); the scripts it installs are
// parsed by bash; the compose project it sets up is resolved by docker-compose with the host's override.
const HETZNER = join(ROOT, 'infra/hetzner');
const EXAMPLE_VALUES: Record<string, string> = {
  domain: 'explorer.example.org',
  acme_email: 'ops@example.org',
  repo_url: 'https://git.example.org/bsky-explorer.git',
  git_ref: 'main',
  volume_device: '/dev/disk/by-id/scsi-0HC_Volume_100001',
};

interface WriteFile {
  path: string;
  permissions?: string;
  content: string;
}

const template = () => readFile(join(HETZNER, 'cloud-init.yaml'), 'utf8');

/** What OpenTofu's templatefile does with these values (the template uses no directives). */
function render(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for \${${name}}`);
    return values[name];
  });
}

async function renderedFile(dir: string, text: string): Promise<string> {
  const file = join(dir, 'user-data.yaml');
  await writeFile(file, text);
  return file;
}

describe('infra/hetzner/cloud-init.yaml as a template', () => {
  it('uses exactly the values main.tf passes to templatefile, and no template directives', async () => {
    const text = await template();
    const used = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    const tf = await readFile(join(HETZNER, 'main.tf'), 'utf8');
    const call = /templatefile\("\$\{path\.module\}\/cloud-init\.yaml", \{([^}]*)\}\)/.exec(tf);
    expect(call).not.toBeNull();
    const passed = new Set([...call![1].matchAll(/^\s*(\w+)\s*=/gm)].map((m) => m[1]));
    expect([...used].sort()).toEqual([...passed].sort());
    expect([...used].sort()).toEqual(Object.keys(EXAMPLE_VALUES).sort());
    // `%{` would start a directive; `${` only appears as the placeholders above.
    expect(text).not.toContain('%{');
    expect(render(text, EXAMPLE_VALUES)).not.toContain('${');
  });

  it('carries no secret: the stack secrets are generated on the server, the operator hands over the rest by SSH', async () => {
    const text = await template();
    // Every assignment of a secret is generated ($(openssl ...)), a format (%s), a sed pattern (.*) or a hint.
    const assigned = [...text.matchAll(/\b([A-Z_]*(?:SECRET|PASSWORD|TOKEN|WEBHOOK_URL))=([^\s'"|]*)/g)];
    expect(assigned.length).toBeGreaterThan(3);
    for (const [, key, value] of assigned)
      expect([key, /^(|\$\(openssl.*|%s.*|\.\*|\.\.\.)$/.test(value)]).toEqual([key, true]);
    const doc = parse(render(text, EXAMPLE_VALUES)) as { write_files: WriteFile[] };
    const bootstrap = doc.write_files.find((f) => f.path === '/usr/local/sbin/bsky-explorer-bootstrap')!.content;
    expect(bootstrap).toContain('EXPORT_SIGNING_SECRET=$(openssl rand -hex 32)');
    const secrets = doc.write_files.find((f) => f.path === '/usr/local/sbin/bsky-explorer-secrets')!.content;
    expect(secrets).toContain('ALERT_WEBHOOK_URL');
  });

  it('sets up what the issue lists: Docker, firewall, the Volume for DATA_DIR, the compose project, backups', async () => {
    const doc = parse(render(await template(), EXAMPLE_VALUES)) as {
      packages: string[];
      mounts: string[][];
      write_files: WriteFile[];
      runcmd: string[][];
    };
    expect(doc.packages).toEqual(expect.arrayContaining(['docker.io', 'docker-compose', 'ufw', 'restic', 'caddy']));
    expect(doc.mounts[0].slice(0, 3)).toEqual([EXAMPLE_VALUES.volume_device, '/mnt/data', 'ext4']);
    const paths = doc.write_files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/etc/bsky-explorer/docker-compose.host.yml',
        '/etc/systemd/system/bsky-explorer.service',
        '/etc/systemd/system/bsky-explorer-backup.timer',
        '/usr/local/sbin/bsky-explorer-backup',
      ]),
    );
    const bootstrap = doc.write_files.find((f) => f.path.endsWith('bsky-explorer-bootstrap'))!.content;
    for (const port of ['22', '80', '443']) expect(bootstrap).toContain(`ufw allow ${port}/tcp`);
    expect(bootstrap).toContain('ufw default deny incoming');
    expect(doc.runcmd.flat().join(' ')).toContain('/usr/local/sbin/bsky-explorer-bootstrap');
  });

  it('installs shell scripts that bash parses', async () => {
    const doc = parse(render(await template(), EXAMPLE_VALUES)) as { write_files: WriteFile[] };
    const scripts = doc.write_files.filter((f) => f.content.startsWith('#!/bin/bash'));
    expect(scripts.map((s) => s.path).sort()).toEqual([
      '/usr/local/sbin/bsky-explorer-backup',
      '/usr/local/sbin/bsky-explorer-bootstrap',
      '/usr/local/sbin/bsky-explorer-secrets',
    ]);
    for (const s of scripts) {
      expect(s.permissions).toBe('0755');
      const r = await run('bash', ['-n', '-c', s.content]);
      expect([s.path, r.code, r.stderr]).toEqual([s.path, 0, '']);
    }
  });
});

describeWith('the cloud-init schema check', tools.cloudInit())('cloud-init schema', () => {
  let tmp: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    tmp = await makeTempDir('bsky-cloud-init-');
  });
  afterAll(async () => {
    await tmp.remove();
  });

  it('accepts the rendered user data (cloud-init schema --config-file)', async () => {
    const file = await renderedFile(tmp.path, render(await template(), EXAMPLE_VALUES));
    const r = await run('cloud-init', ['schema', '--config-file', file]);
    expect([r.code, r.stdout.trim()]).toEqual([0, `Valid cloud-config: ${file}`]);
  });

  it('and rejects a broken copy, so the check bites', async () => {
    const broken = render(await template(), EXAMPLE_VALUES).replace('ssh_pwauth: false', 'ssh_pwauth: [1, 2]');
    const file = await renderedFile(tmp.path, broken);
    const r = await run('cloud-init', ['schema', '--config-file', file]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('ssh_pwauth');
  });
});

describeWith('the host compose override check', tools.dockerCompose())(
  'the compose project as the server runs it (COMPOSE_FILE with the host override)',
  () => {
    it('resolves with the repository file, binding the data volumes to the Hetzner Volume', async () => {
      const doc = parse(render(await template(), EXAMPLE_VALUES)) as { write_files: WriteFile[] };
      const tmp = await makeTempDir('bsky-host-compose-');
      try {
        const host = join(tmp.path, 'docker-compose.host.yml');
        await writeFile(
          host,
          doc.write_files.find((f) => f.path === '/etc/bsky-explorer/docker-compose.host.yml')!.content,
        );
        const env = join(tmp.path, '.env');
        await writeFile(env, await readFile(join(COMPOSE_DIR, '.env.example'), 'utf8'));
        const r = await run(
          'docker-compose',
          ['--env-file', env, '-f', join(COMPOSE_DIR, 'docker-compose.yml'), '-f', host, 'config'],
          { cwd: COMPOSE_DIR },
        );
        expect([r.code, r.stderr]).toEqual([0, '']);
        const model = parse(r.stdout) as {
          volumes: Record<string, { driver_opts?: { device: string; o: string } }>;
        };
        expect(model.volumes['parquet-data'].driver_opts).toEqual({
          type: 'none',
          o: 'bind',
          device: '/mnt/data/parquet',
        });
        expect(model.volumes['redis-data'].driver_opts?.device).toBe('/mnt/data/redis');
      } finally {
        await tmp.remove();
      }
    });
  },
);

const tofu = ['tofu', 'terraform'].find((cmd) => probe(cmd, ['version'], '').ok);
describeWith(
  'the OpenTofu format check',
  tofu
    ? all()
    : {
        ok: false,
        reason: 'neither tofu nor terraform is installed (no Debian package; the template check above still runs)',
      },
  { optional: true },
)('infra/hetzner/main.tf', () => {
  it('is formatted as `tofu fmt` writes it (validate needs the hcloud provider, which cannot be fetched here)', async () => {
    const r = await run(tofu!, ['fmt', '-check', '-diff', HETZNER]);
    expect([r.code, r.stdout]).toEqual([0, '']);
  });
});
