// `clusterwright lab` end to end: up from a shipped example, status, link/cut/restore, down leaving
// nothing behind; a later `up` clears a crashed lab's leftovers by its prefix.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { runCli } from '../../main/node/cli/index.js';
import { loadLabSpec, readLabState, startLab, stopLab } from '../../main/node/lab/index.js';
import { describeLab } from '../support/lab.js';

const prefix = 'cwtx';
const root = path.resolve(__dirname, '../..');
const dirs: string[] = [];
function stateDir(): string {
  const dir = fs.mkdtempSync(`/tmp/${prefix}-`);
  dirs.push(dir);
  return dir;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), isTTY: false, distDir: path.join(root, 'dist'), env: process.env });
  return { code, out, err };
}

function netnsWithPrefix(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return listed.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
}

afterAll(async () => {
  for (const dir of dirs) {
    await stopLab(dir, { prefix });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describeLab('clusterwright lab (CLI)', () => {
  it('brings up the three-sites example, reports it, shapes and cuts a link, and removes exactly what it made', async () => {
    const dir = stateDir();
    const up = await cli(['lab', 'up', path.join(root, 'assets/labs/three-sites.yml'), '--state', dir, '--prefix', prefix]);
    expect(up.code, up.err).toBe(0);
    expect(up.out).toMatch(/a1\s+site a\s+management 198\.18\.\d+\.11\s+corosync-link1 198\.19\.\d+\.11/);
    expect(up.out).toContain(`ssh -F ${dir}/ssh_config <host>`);

    const workspace = parseWorkspace(fs.readFileSync(path.join(dir, 'workspace', 'clusterwright.yaml'), 'utf8'));
    expect(workspace.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(workspace.workspace!.nodes.map((n) => n.name)).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(workspace.workspace!.sites.map((s) => `${s.name}:${s.kind}`)).toEqual(['a:lan', 'b:man', 'c:wan']);

    const status = await cli(['lab', 'status', '--state', dir, '--json']);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.out) as { hosts: { name: string; running: boolean; services: Record<string, boolean> }[]; processes: { total: number; running: number } };
    expect(parsed.hosts.every((h) => h.running && h.services.ssh)).toBe(true);
    expect(parsed.processes.running).toBe(parsed.processes.total);

    expect((await cli(['lab', 'link', 'a', 'b', 'internet', '--state', dir])).code).toBe(0);
    expect(readLabState(dir)!.links.find((l) => l.a === 'a' && l.b === 'b')!.networks[0].preset).toBe('internet');
    expect((await cli(['lab', 'link', 'a', 'b', '--delay', '7', '--loss', '1', '--network', '1', '--state', dir])).code).toBe(0);
    const ab = readLabState(dir)!.links.find((l) => l.a === 'a' && l.b === 'b')!;
    expect(ab.networks[1].params).toEqual({ delayMs: 7, jitterMs: 0, lossPercent: 1, bandwidthMbit: 0 });
    expect(ab.networks[0].preset).toBe('internet');
    expect((await cli(['lab', 'cut', 'a', 'c', '--state', dir])).code).toBe(0);
    expect((await cli(['lab', 'status', '--state', dir])).out).toMatch(/a ↔ c\s+wan .* CUT/);
    expect((await cli(['lab', 'restore', 'a', 'c', '--state', dir])).code).toBe(0);

    const wrongSite = await cli(['lab', 'cut', 'a', 'z', '--state', dir]);
    expect(wrongSite.code).toBe(1);
    expect(wrongSite.err).toContain('no site "z"');
    expect((await cli(['lab', 'link', 'a', 'b', 'fast', '--state', dir])).code).toBe(64);

    const state = readLabState(dir)!;
    const pids = [...Object.values(state.hosts).map((h) => h.initPid), ...state.processes.map((p) => p.pid)];
    const down = await cli(['lab', 'down', '--state', dir]);
    expect(down.code).toBe(0);
    expect(down.out).toMatch(/7 namespaces, 1 interfaces/);
    expect(netnsWithPrefix()).toEqual([]);
    expect(pids.filter((pid) => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')))).toEqual([]);
    expect(spawnSync('ip', ['link', 'show', `${prefix}-app`]).status).not.toBe(0);
    expect((await cli(['lab', 'down', '--state', dir])).out).toContain('No lab was running');
  });

  it('clears what a crashed lab with the same prefix left behind, and refuses to start over a running lab', async () => {
    const crashedDir = stateDir();
    const spec = loadLabSpec('name: crashed\nsites:\n  - {name: a, hosts: [x1]}\n  - {name: b, hosts: [y1], link: wan}\n');
    const crashed = await startLab(spec, { stateDir: crashedDir, prefix });
    const leftover = readLabState(crashedDir)!;
    // The crash: the state file is lost; only the prefix identifies what is left.
    fs.rmSync(path.join(crashedDir, 'lab-state.json'));
    expect(crashed.hosts).toHaveLength(2);

    const freshDir = stateDir();
    const fresh = await startLab(spec, { stateDir: freshDir, prefix });
    const alive = [...Object.values(leftover.hosts).map((h) => h.initPid), ...leftover.processes.map((p) => p.pid)].filter((pid) => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')));
    expect(alive).toEqual([]);
    expect((await fresh.exec('x1', ['hostname'])).stdout.trim()).toBe('x1');

    await expect(startLab(spec, { stateDir: freshDir, prefix })).rejects.toThrow(/already up/);
    await fresh.stop();
    expect(netnsWithPrefix()).toEqual([]);
  });
});
