// The lab's own host keys in the app (issue: switching labs broke SSH): the app starts a lab, measures its
// latency with no host-key question at all, stops it, starts a new one at the same addresses with new keys —
// even with the previous lab's keys still pinned — and measures again with no question and no CHANGED key.
// Its keys are dropped at lab down. A host outside the lab is still asked about, once however many wait.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { openLab, readLabState, stopLab } from '../../main/node/lab/index.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { PinnedHostKeys } from '../../main/node/ssh/pinned-host-keys.js';
import { startInProcessSshd, type InProcessSshd } from '../../main/node/ssh/testing/ssh2-server.js';
import { describeLab } from '../support/lab.js';

const prefix = 'cwhk';
const home = fs.mkdtempSync(path.join(os.tmpdir(), `cw-${prefix}-`));
const stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
const pinnedFile = path.join(home, 'pinned.json');

describeLab("the lab's own host keys in the app", () => {
  let core: Core;
  let sshd: InProcessSshd;
  /** Every host-key question the app asked, answered as an admin would ("Trust and remember") after reading it. */
  const questions: { host: string; port: number; fingerprint: string }[] = [];

  beforeAll(async () => {
    core = createCore({
      hostKind: 'test',
      workspaceDir: path.join(home, 'workspace'),
      lab: { stateDir, prefix },
      // As in the app: someone answers prompts; nothing from root's own ~/.ssh.
      ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, engine: { knownHostsFiles: [], pinnedHostKeysFile: pinnedFile } },
    });
    core.events.subscribe((name, payload) => {
      if (name !== 'hostKey.unknown') return;
      const question = payload as { promptId: string; host: string; port: number; fingerprint: string };
      questions.push(question);
      setTimeout(() => void core.call('hostKey.answer', { promptId: question.promptId, decision: 'pin' }).catch(() => undefined), 300);
    });
    sshd = await startInProcessSshd({ password: 'pw', otherUsers: ['ops1', 'ops2', 'ops3'] });
  }, 30_000);

  afterAll(async () => {
    await core?.call('lab.down', {}).catch(() => undefined);
    await core?.close();
    await sshd?.close();
    await stopLab(stateDir, { prefix });
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  }, 60_000);

  async function measure(): Promise<void> {
    const lab = readLabState(stateDir)!;
    await core.call('workspace.open', { path: path.join(lab.stateDir, 'workspace', 'clusterwright.yaml'), remember: false });
    const result = await core.call('latency.measure', { count: 2, intervalS: 0.2 });
    expect(result.matrix.samples.filter((s) => s.error).map((s) => s.error)).toEqual([]);
    expect(result.unreachable).toBe(0);
  }

  it('measures a new 4-host lab without a single host-key question, and pins nothing', async () => {
    const up = await core.call('lab.up', { example: 'three-sites' });
    expect(up.hosts).toBe(4);
    await measure();
    expect(questions).toEqual([]);
    expect(new PinnedHostKeys(pinnedFile).list()).toEqual([]);
    const { keys } = await core.call('hostKey.list', {});
    expect(keys.filter((k) => k.source === 'lab')).toHaveLength(8); // 4 hosts × 2 addresses
  }, 120_000);

  /** host → its addresses and recorded key, for the lab up now. */
  function labHosts(): Record<string, { addresses: string[]; key: string }> {
    return Object.fromEntries(openLab(stateDir).hosts.map((h) => [h.name, { addresses: h.addressList, key: h.hostKeys[0]!.key }]));
  }

  it("a new lab at the same addresses with new keys works at once, even with the old lab's keys still pinned", async () => {
    const first = labHosts();
    // What "Trust and remember" left behind before the lab vouched for its own keys.
    const pins = new PinnedHostKeys(pinnedFile);
    for (const host of Object.values(first)) for (const address of host.addresses) pins.pin(address, 22, Buffer.from(host.key, 'base64'));
    await core.call('lab.down', {});
    expect(fs.existsSync(path.join(stateDir, 'known_hosts'))).toBe(false);
    expect((await core.call('hostKey.list', {})).keys.filter((k) => k.source === 'lab')).toEqual([]);

    await core.call('lab.up', { example: 'three-sites' });
    const second = labHosts();
    for (const name of Object.keys(first)) {
      expect(second[name]!.addresses).toEqual(first[name]!.addresses);
      expect(second[name]!.key).not.toBe(first[name]!.key);
    }
    await measure();
    expect(questions).toEqual([]);
  }, 120_000);

  it('still asks about any other host, once however many connections wait for the answer', async () => {
    const { id } = await core.call('secrets.put', { label: 'pw', kind: 'password', value: 'pw' });
    const results = await Promise.all(
      ['admin', 'ops1', 'ops2', 'ops3'].map((user) => core.call('ssh.test', { target: { host: '127.0.0.1', port: sshd.port, user, auth: [{ kind: 'password', secretId: id }] } })),
    );
    expect(results.map((r) => r.destination.fingerprint)).toEqual([sshd.fingerprint, sshd.fingerprint, sshd.fingerprint, sshd.fingerprint]);
    expect(questions.map((q) => [q.host, q.port, q.fingerprint])).toEqual([['127.0.0.1', sshd.port, sshd.fingerprint]]);
  }, 60_000);
});
