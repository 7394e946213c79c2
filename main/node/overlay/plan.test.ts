// The overlay's plans as data (valid plans, a precheck on every step, shell that parses, no command
// that could print a private key), its atomic writer run for real in a temp directory, and the
// probes' parsers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOverlays } from '../../common/overlay/model.js';
import { estate, keys } from '../../common/overlay/test-estate.js';
import { parsePlan } from '../../common/plan/dag.js';
import { precheckOf, type Plan } from '../../common/plan/schema.js';
import { commandLine } from '../engine/render.js';
import { chooseMtu, overlayToBuild } from './build.js';
import { fileHolds, overlayKeysPlan, overlayPlan, writeOwnFile } from './plan.js';
import { handshakeFacts, parseInterfaceState, pathMtuPairs } from './probe.js';

const nodes = { pve1: { address: '192.0.2.11' }, pve2: { address: '192.0.2.12', port: 2222 }, pve3: { address: '192.0.2.13', user: 'admin' } };

function scripts(plan: Plan): string[] {
  const out: string[] = [];
  for (const step of plan.steps) {
    if (step.action.kind === 'exec') out.push(commandLine(step.action.command, () => ''));
    if (step.action.kind === 'wait' && step.action.until.kind === 'exec') out.push(commandLine(step.action.until.command, () => ''));
    for (const check of [step.precheck, step.verify]) if (check?.kind === 'exec') out.push(commandLine(check.command, () => ''));
  }
  return out;
}

describe('the overlay plans', () => {
  const ws = estate({ topology: 'hub-and-spoke', hub: 'pve3' });
  const resolved = resolveOverlays(ws)[0]!;
  const keysPlan = parsePlan(overlayKeysPlan(resolved, nodes));
  const tunnelsPlan = parsePlan(overlayPlan({ resolved, publicKeys: keys, mtu: 1360, nodes }));

  it('are valid plans whose every step says whether it is already done, none of them destructive', () => {
    expect(keysPlan.steps.map((s) => s.id)).toEqual(['tools-pve1', 'keys-pve1', 'tools-pve2', 'keys-pve2', 'tools-pve3', 'keys-pve3']);
    expect(tunnelsPlan.steps.map((s) => s.id)).toEqual(['config-pve1', 'config-pve2', 'config-pve3', 'forwarding-pve3', 'up-pve1', 'up-pve2', 'up-pve3', 'verify-pve1', 'verify-pve2', 'verify-pve3']);
    for (const step of [...keysPlan.steps, ...tunnelsPlan.steps]) {
      expect(precheckOf(step), step.id).toBeDefined();
      expect(step.destructive).toBe(false);
    }
    expect(tunnelsPlan.nodes).toEqual({ pve1: { address: '192.0.2.11', port: 22, user: 'root' }, pve2: { address: '192.0.2.12', port: 2222, user: 'root' }, pve3: { address: '192.0.2.13', port: 22, user: 'admin' } });
    // Verifies need both ends up: they wait for every member's interface.
    expect(tunnelsPlan.steps.find((s) => s.id === 'verify-pve1')!.dependsOn).toEqual(['up-pve1', 'up-pve2', 'up-pve3']);
    expect(tunnelsPlan.steps.find((s) => s.id === 'up-pve3')!.dependsOn).toEqual(['config-pve3', 'forwarding-pve3']);
  });

  it('hold shell that parses, for sh and bash', () => {
    for (const script of [...scripts(keysPlan), ...scripts(tunnelsPlan)]) {
      for (const shell of ['sh', 'bash']) {
        const result = spawnSync(shell, ['-n', '-c', script], { encoding: 'utf8' });
        expect(result.status, `${shell}: ${result.stderr}\n${script}`).toBe(0);
      }
    }
  });

  it('never print a private key: keys are made by wg genkey into a file, read only by wg pubkey and wg set', () => {
    const all = [...scripts(keysPlan), ...scripts(tunnelsPlan)].join('\n');
    expect(all).toContain('wg genkey > "$t"');
    expect(all).not.toMatch(/wg show[^\n|;]*private-key|showconf|cat[^\n;|]*\.key\b|PrivateKey/);
    for (const name of ['pve1', 'pve2', 'pve3']) expect(tunnelsPlan.steps.some((s) => JSON.stringify(s).includes(keys[name]!)), name).toBe(true);
  });

  it('let the hub forward between the spokes', () => {
    const step = tunnelsPlan.steps.find((s) => s.id === 'forwarding-pve3')!;
    expect(JSON.stringify(step.action)).toContain('net.ipv4.ip_forward=1');
  });
});

describe('the atomic writer of configuration files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-overlay-write-'));
  const file = path.join(dir, 'sub', 'cw-x.conf');
  const sh = (script: string) => spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  const content = "# Written by Clusterwright for overlay x.\nAddress = 10.0.0.1/24\n# a quote ' and $(touch /tmp/never) stay text\n";

  it('writes with mode 0600 and says when the file already holds the content', () => {
    expect(sh(fileHolds(file, content)).status).not.toBe(0);
    const written = sh(writeOwnFile(file, content));
    expect(written.status, written.stderr).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(sh(fileHolds(file, content)).status).toBe(0);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['cw-x.conf']);
    fs.chmodSync(file, 0o644);
    expect(sh(fileHolds(file, content)).status).not.toBe(0);
  });

  it('leaves a file it did not write alone, saying why', () => {
    const foreign = path.join(dir, 'wg0.conf');
    fs.writeFileSync(foreign, '[Interface]\nPrivateKey = secret\n', { mode: 0o600 });
    const result = sh(writeOwnFile(foreign, content));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/wg0\.conf exists and was not written by Clusterwright; it is left alone/);
    expect(result.stderr).not.toContain('secret');
    expect(fs.readFileSync(foreign, 'utf8')).toContain('PrivateKey = secret');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('the probes', () => {
  const resolved = resolveOverlays(estate())[0]!;

  it('probe one direction per site pair that has a tunnel, towards the endpoint', () => {
    expect(pathMtuPairs(resolved)).toEqual([
      { from: 'pve1', to: 'pve2', fromSite: 'home', toSite: 'office', address: '192.0.2.12' },
      { from: 'pve1', to: 'pve3', fromSite: 'home', toSite: 'cloud', address: '192.0.2.13' },
      { from: 'pve2', to: 'pve3', fromSite: 'office', toSite: 'cloud', address: '192.0.2.13' },
    ]);
  });

  it('read an interface: up, MTU, implementation, public key and handshake ages by the node\'s clock; junk is ignored', () => {
    const state = parseInterfaceState('pve1', ['1000', 'up', 'mtu 1360', 'impl wireguard-go', `pub ${keys.pve1}`, `hs ${keys.pve2}\t990`, `hs ${keys.pve3}\t0`, 'hs $(reboot) 5', 'mtu abc'].join('\n'));
    expect(state).toEqual({ node: 'pve1', up: true, mtu: 1360, implementation: 'wireguard-go', publicKey: keys.pve1, handshakes: { [keys.pve2!]: 10, [keys.pve3!]: null } });
    expect(parseInterfaceState('pve2', '1000\ndown\n')).toEqual({ node: 'pve2', up: false, handshakes: {} });
    const facts = handshakeFacts(resolved, [state, { node: 'pve2', up: false, handshakes: {} }], keys);
    expect(facts.filter((f) => f.node !== 'pve3')).toEqual([
      { node: 'pve1', peer: 'pve2', ageS: 10 },
      { node: 'pve1', peer: 'pve3' },
      { node: 'pve2', peer: 'pve1', down: true },
      { node: 'pve2', peer: 'pve3', down: true },
    ]);
  });

  it('choose the MTU: the fixed one, else the narrowest path minus the overhead; refuse to guess with a pair unmeasured', () => {
    const pair = (mtu: number | undefined, family: 4 | 6 = 4) => ({ from: 'pve1', to: 'pve3', fromSite: 'home', toSite: 'cloud', address: 'x', family, probes: 3, ...(mtu !== undefined ? { mtu } : { error: 'no reply' }) });
    expect(chooseMtu(resolved, [pair(1500), pair(1420)])).toBe(1360);
    expect(chooseMtu(resolved, [pair(1500, 6)])).toBe(1420);
    expect(() => chooseMtu(resolved, [pair(1500), pair(undefined)])).toThrow(/could not be measured between every site pair: pve1→pve3 \(x\): no reply/);
    const fixed = resolveOverlays(estate({ mtu: 1300 }))[0]!;
    expect(chooseMtu(fixed, [pair(undefined)])).toBe(1300);
  });

  it('refuse to build an overlay that does not exist or is wrong as written', () => {
    expect(() => overlayToBuild(estate(), 'nope')).toThrow(/no overlay named nope; its overlays are sites/);
    expect(() => overlayToBuild(estate({ behindNat: ['pve1', 'pve2'] }), 'sites')).toThrow(/cannot be built as written:\n {2}overlays\[0\]\.behindNat: Neither pve1/);
  });
});
