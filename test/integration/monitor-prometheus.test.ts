// The monitor's series reach Prometheus: Debian's own `prometheus` scrapes the web host's /metrics on
// 127.0.0.1 with the metrics token (and is refused without it), for a monitor polling a loopback estate.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebHost, type WebHost } from '../../main/server/web-host.js';
import { createCore, type Core } from '../../main/node/core.js';
import { ensureMetricsToken } from '../../main/node/monitor/metrics-token.js';
import { freePort } from '../../main/node/lab/ports.js';
import os from 'node:os';

const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
const canPing = spawnSync('ping', ['-n', '-q', '-c', '1', '-W', '1', '127.0.0.2'], { stdio: 'ignore' }).status === 0;

// Two nodes on loopback addresses: the monitor pings them from this machine (nodeCommands: 'local').
const workspaceYaml = `version: 1
name: metrics
sites:
  - { name: a, kind: lan }
  - { name: b, kind: man }
networks:
  - { name: ring0, roles: [corosync], cidr: 127.0.0.0/8 }
nodes:
  - { name: n1, site: a, addresses: { ring0: 127.0.0.2 } }
  - { name: n2, site: b, addresses: { ring0: 127.0.0.3 } }
`;


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasPrometheus && canPing)("Prometheus scrapes the monitor's series", () => {
  let home: string;
  let core: Core;
  let host: WebHost;
  let prometheus: ChildProcess | undefined;
  let promPort: number;
  let token: string;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-prom-'));
    const workspaceDir = path.join(home, 'workspace');
    fs.mkdirSync(workspaceDir);
    fs.writeFileSync(path.join(workspaceDir, 'clusterwright.yaml'), workspaceYaml);
    core = createCore({ hostKind: 'web', workspaceDir, nodeCommands: 'local' });
    const staticDir = path.join(home, 'renderer');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    const metrics = ensureMetricsToken(path.join(home, 'data'));
    token = metrics.token;
    expect(fs.statSync(metrics.file).mode & 0o777).toBe(0o600);
    host = await startWebHost({ core, staticDir, metricsToken: token });
    await core.call('monitor.start', { intervalS: 1, probes: 2 });
    promPort = await freePort();
    fs.writeFileSync(path.join(home, 'wrong.token'), 'not-the-token\n');
    fs.writeFileSync(
      path.join(home, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: clusterwright
    authorization:
      credentials_file: ${metrics.file}
    static_configs:
      - targets: ['127.0.0.1:${host.port}']
  - job_name: wrong-token
    authorization:
      credentials_file: ${path.join(home, 'wrong.token')}
    static_configs:
      - targets: ['127.0.0.1:${host.port}']
`,
    );
    prometheus = spawn(
      'prometheus',
      [`--config.file=${path.join(home, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(home, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }, 30_000);

  afterAll(async () => {
    if (prometheus?.pid && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      await new Promise((r) => prometheus!.once('exit', r));
    }
    await host?.close();
    await core?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    return body.status === 'success' ? body.data.result : [];
  }

  it('scrapes the link series with the metrics token, and is refused with another one', async () => {
    const deadline = Date.now() + 30_000;
    let rtt: Awaited<ReturnType<typeof query>> = [];
    let up: Awaited<ReturnType<typeof query>> = [];
    while (Date.now() < deadline) {
      rtt = await query('clusterwright_link_rtt_seconds').catch(() => []);
      up = await query('up').catch(() => []);
      if (rtt.length && up.length === 2) break;
      await sleep(500);
    }
    expect(rtt).toHaveLength(1);
    expect(rtt[0]!.metric).toMatchObject({ job: 'clusterwright', network: 'ring0', a: 'n1', b: 'n2', source: 'ping' });
    const seconds = Number(rtt[0]!.value[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(0.05);
    const loss = await query('clusterwright_link_loss_ratio');
    expect(Number(loss[0]!.value[1])).toBe(0);
    const byJob = Object.fromEntries(up.map((r) => [r.metric.job, r.value[1]]));
    expect(byJob).toEqual({ clusterwright: '1', 'wrong-token': '0' });
    const targets = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/targets`)).json()) as { data: { activeTargets: { labels: { job: string }; lastError: string }[] } };
    const refused = targets.data.activeTargets.find((t) => t.labels.job === 'wrong-token');
    expect(refused?.lastError).toMatch(/401/);
    const rounds = await query('clusterwright_monitor_rounds_total');
    expect(Number(rounds[0]!.value[1])).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it('refuses /metrics without a token, with the connection token, and from another Host', async () => {
    const url = `http://127.0.0.1:${host.port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { Authorization: `Bearer ${host.token}` } })).status).toBe(401);
    const ok = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const refused = await new Promise<number>((resolve, reject) => {
      const req = net.connect(host.port, '127.0.0.1', () => req.write(`GET /metrics HTTP/1.1\r\nHost: evil.example:${host.port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`));
      let text = '';
      req.on('data', (d) => (text += d.toString()));
      req.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])));
      req.on('error', reject);
    });
    expect(refused).toBe(403);
  });
});
