// The SSH engine in the lab: a jump through one lab host to a host the app cannot reach directly,
// every hop verified on its own; a swapped host key refused; keepalive noticing a cut link.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { MemorySecretStore } from '../../main/node/secrets/memory-store.js';
import { createSshEngine, resolveTarget, SshConfigFile, type SshEngineOptions, type SshStateChange, type SshTarget } from '../../main/node/ssh/index.js';
import { describeLab, useLab } from '../support/lab.js';
import { caught } from '../../main/common/testing/caught.js';

const spec = `
name: ssh-engine
sites:
  - name: a
    hosts: [a1]
  - name: b
    hosts: [b1]
    link: lan
  - name: c
    hosts:
      - name: c1
        reachableFromApp: false
    link: lan
`;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ssh-lab-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describeLab('SSH engine in the lab', () => {
  const handle = useLab(spec, 'cwsj');
  const engines: ReturnType<typeof createSshEngine>[] = [];
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.closeAll()));
  });

  function engine(options: Partial<SshEngineOptions> & { pinnedHostKeysFile?: string; knownHostsFiles?: string[] } = {}) {
    const created = createSshEngine({
      secrets: new MemorySecretStore(),
      knownHostsFiles: [handle.lab.knownHostsPath],
      pinnedHostKeysFile: path.join(scratch, `pinned-${engines.length}.json`),
      env: {},
      reconnect: { attempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
      ...options,
    });
    engines.push(created);
    return created;
  }

  function hop(name: string, address: string) {
    return { label: name, host: address, port: 22, user: 'root', auth: [{ kind: 'privateKey' as const, identityFile: handle.lab.clientKeyPath }] };
  }

  it('reaches a host that is not reachable directly by jumping through a lab host, verifying both host keys', async () => {
    const lab = handle.lab;
    const a1 = lab.host('a1');
    const c1 = lab.host('c1');
    expect(c1.reachableFromApp).toBe(false);
    const ssh = engine();

    const direct = await caught(ssh.exec({ destination: hop('c1', c1.addresses.management!), jumps: [] }, 'hostname', { timeoutMs: 10_000 }));
    expect(direct.code).toBe('UNREACHABLE');

    const viaA1: SshTarget = { destination: hop('c1', c1.addresses.management!), jumps: [hop('a1', a1.addresses.management!)] };
    const report = await ssh.test(viaA1);
    expect(report.jumps[0]).toMatchObject({ host: a1.addresses.management, trust: `${lab.knownHostsPath}:${lab.hosts.findIndex((h) => h.name === 'a1') + 1}` });
    expect(report.destination.host).toBe(c1.addresses.management);
    expect(report.destination.trust).toContain(lab.knownHostsPath);
    expect((await ssh.run(viaA1, 'hostname')).stdout.trim()).toBe('c1');
  });

  it('follows the lab\'s ssh_config (ProxyJump) by host name', async () => {
    const lab = handle.lab;
    const config = SshConfigFile.load(lab.sshConfigPath, scratch);
    const target = resolveTarget({ host: 'c1' }, { config, env: {}, home: scratch, localUser: 'root' });
    expect(target.jumps.map((j) => j.label)).toEqual(['a1']);
    const ssh = engine();
    expect((await ssh.run(target, 'cat /etc/hostname')).stdout.trim()).toBe('c1');
  });

  it('refuses a jump whose destination presents a changed key, even though the jump host is fine', async () => {
    const lab = handle.lab;
    const a1 = lab.host('a1');
    const c1 = lab.host('c1');
    const pinnedHostKeysFile = path.join(scratch, 'pinned-mitm.json');
    const pinning = engine({ pinnedHostKeysFile, knownHostsFiles: [], acceptNewHostKeys: true });
    const chain: SshTarget = { destination: hop('c1', c1.addresses.management!), jumps: [hop('a1', a1.addresses.management!)] };
    await pinning.test(chain);
    await pinning.closeAll();
    await lab.regenerateHostKey('c1');
    const checking = engine({ pinnedHostKeysFile, knownHostsFiles: [] });
    const error = await caught(checking.run(chain, 'touch /root/should-not-exist'));
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.detail).toMatchObject({ host: c1.addresses.management });
    expect(fs.existsSync(lab.hostPath('c1', '/root/should-not-exist'))).toBe(false);
  });

  it('notices a cut link through keepalive within the configured time and reports UNREACHABLE', async () => {
    const lab = handle.lab;
    const b1 = lab.host('b1');
    const states: SshStateChange[] = [];
    const keepaliveIntervalMs = 500;
    const keepaliveCountMax = 3;
    const ssh = engine({ keepaliveIntervalMs, keepaliveCountMax, onStateChanged: (s) => states.push(s) });
    const target: SshTarget = { destination: hop('b1', b1.addresses.management!), jumps: [] };
    await ssh.test(target);
    const running = ssh.exec(target, 'sleep 600');
    await new Promise((r) => setTimeout(r, 300));
    await lab.cut('a', 'b');
    const cutAt = Date.now();
    try {
      const error = await caught(running);
      const noticedMs = Date.now() - cutAt;
      console.log(`keepalive noticed the cut link after ${noticedMs} ms (interval ${keepaliveIntervalMs} ms × ${keepaliveCountMax})`);
      expect(error.code).toBe('UNREACHABLE');
      expect(error.message).toContain('keepalive');
      // At most (countMax + 1) intervals plus scheduling slack.
      expect(noticedMs).toBeLessThanOrEqual(keepaliveIntervalMs * (keepaliveCountMax + 1) + 1_000);
      expect(states.at(-1)).toMatchObject({ state: 'disconnected', host: b1.addresses.management, error: { code: 'UNREACHABLE' } });
    } finally {
      await lab.restore('a', 'b');
    }
    // After the link is back, the next command reconnects on its own.
    expect((await ssh.run(target, 'hostname')).stdout.trim()).toBe('b1');
  });
});
