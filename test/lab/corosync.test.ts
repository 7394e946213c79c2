// Real corosync 3 in the lab: three hosts in two sites with two knet links (passive) become quorate,
// survive the loss of link0, and the cut-off site loses quorum within token + consensus and comes back.
import fs from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { describeLab, useLab } from '../support/lab.js';
import { cmapNumber, corosyncConf, installCorosync, isQuorate, waitQuorate } from '../support/lab-corosync.js';

const spec = `
name: corosync
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
`;

const hosts = ['a1', 'a2', 'b1'];
const timings: string[] = [];
afterAll(() => {
  if (timings.length) console.log(`corosync timings:\n  ${timings.join('\n  ')}`);
});

describeLab('corosync on the lab: three hosts, two sites, two links', () => {
  const handle = useLab(spec, 'cwtc');

  it('becomes quorate with a hand-written two-link config', async () => {
    const lab = handle.lab;
    const conf = corosyncConf(lab, 'labtest', hosts.map((host, i) => ({ host, nodeId: i + 1 })), { links: 2, tokenMs: 1000 });
    await installCorosync(lab, conf, hosts);
    const started = Date.now();
    await Promise.all(hosts.map((h) => lab.execOk(h, ['systemctl', 'start', 'corosync'], { timeoutMs: 20_000 })));
    const took = await waitQuorate(lab, hosts, true, 30_000);
    expect(took, 'all three hosts quorate within 30 s').toBeDefined();
    timings.push(`start → all quorate: ${Date.now() - started} ms`);
    const status = await lab.execOk('a1', ['timeout', '3', 'corosync-quorumtool', '-s']);
    expect(status.stdout).toMatch(/Total votes:\s+3/);
    // Both knet links are connected to every peer.
    const links = await lab.execOk('a1', ['timeout', '3', 'corosync-cfgtool', '-n']);
    expect(links.stdout.match(/LINK: 0 .*connected/g)?.length).toBe(2);
    expect(links.stdout.match(/LINK: 1 .*connected/g)?.length).toBe(2);
  });

  it('keeps quorum over link1 when link0 between the sites is cut', async () => {
    const lab = handle.lab;
    // A cluster that has just formed is still probing its links (PMTUD); let it settle first.
    await new Promise((r) => setTimeout(r, 3_000));
    const cutAt = Date.now();
    await lab.cut('a', 'b', { network: 0 });
    const token = await cmapNumber(lab, 'a1', 'runtime.config.totem.token');
    const consensus = await cmapNumber(lab, 'a1', 'runtime.config.totem.consensus');
    // Watch for well past token + consensus: quorum must hold on every host the whole time.
    const deadline = Date.now() + token + consensus + 2_000;
    while (Date.now() < deadline) {
      const states = await Promise.all(hosts.map((h) => isQuorate(lab, h)));
      expect(states).toEqual([true, true, true]);
      await new Promise((r) => setTimeout(r, 200));
    }
    // knet on b1 has declared link 0 down to both peers and carries everything over link 1.
    const log = fs.readFileSync(lab.hostPath('b1', '/var/log/corosync/corosync.log'), 'utf8');
    expect(log).toMatch(/host: 1 link: 0 is down/);
    expect(log).toMatch(/host: 1 \(passive\) best link: 1/);
    const reformed = log.split('\n').filter((l) => Date.parse(`${new Date().getFullYear()} ${l.slice(0, 15)}`) >= cutAt - 1_000 && /A new membership/.test(l));
    timings.push(`link0 cut: quorum held; knet failover re-formed the membership ${reformed.length} time(s) with all members`);
    await lab.restore('a', 'b', { network: 0 });
  });

  it('makes the cut-off site lose quorum within token + consensus, and regain it once restored', async () => {
    const lab = handle.lab;
    expect(await waitQuorate(lab, hosts, true, 15_000)).toBeDefined();
    const token = await cmapNumber(lab, 'b1', 'runtime.config.totem.token');
    const consensus = await cmapNumber(lab, 'b1', 'runtime.config.totem.consensus');
    const cutAt = Date.now();
    await lab.cut('a', 'b');
    // Polling adds at most one corosync-quorumtool round (≤ 1 s here) to the measurement.
    const lost = await waitQuorate(lab, ['b1'], false, token + consensus + 1_000, 100);
    const lostMs = Date.now() - cutAt;
    timings.push(`cut → b1 not quorate: ${lostMs} ms (token ${token} + consensus ${consensus} = ${token + consensus} ms)`);
    expect(lost, `b1 lost quorum within token ${token} + consensus ${consensus} ms (+1 s of polling)`).toBeDefined();
    expect(await isQuorate(lab, 'a1')).toBe(true);
    expect(await isQuorate(lab, 'a2')).toBe(true);

    const restoredAt = Date.now();
    await lab.restore('a', 'b');
    const back = await waitQuorate(lab, hosts, true, 30_000);
    timings.push(`restore → all quorate again: ${Date.now() - restoredAt} ms`);
    expect(back).toBeDefined();
    const status = await lab.execOk('b1', ['timeout', '3', 'corosync-quorumtool', '-s']);
    expect(status.stdout).toMatch(/Total votes:\s+3/);
  });
});
