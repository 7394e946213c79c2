// Facts belong to the estate they were measured on: lab A is measured, taken down, and lab B comes up
// in the same folder at the same addresses (new host keys). B's workspace shows no figure — not in
// the workspace state, the stored facts, the findings or the canvas — until B is measured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildGraph } from '../../renderer/src/features/topology/from-workspace.js';
import type { Core } from '../../main/node/core.js';
import { loadLabSpec, startLab, stopLab, type Lab } from '../../main/node/lab/index.js';
import { factsPathFor } from '../../main/node/workspace/facts-file.js';
import { describeLab, labWorkspaceCore } from '../support/lab.js';

const prefix = 'cwsf';
const SPEC = `
name: stale-facts
sites:
  - name: a
    hosts: [a1]
  - name: b
    hosts: [b1]
    link: man
`;

const stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-stale-'));
const cores: Core[] = [];

/** The app on a lab's workspace; the same data folder (pinned keys) for both labs, as one app would have. */
function coreFor(lab: Lab): Core {
  const core = labWorkspaceCore(lab, home);
  cores.push(core);
  return core;
}

afterAll(async () => {
  for (const core of cores) await core.close();
  await stopLab(stateDir, { prefix });
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
}, 60_000);

describeLab('latency figures of a previous lab', () => {
  it('are never shown for a new lab at the same addresses, until it is measured', async () => {
    const spec = loadLabSpec(SPEC, '(test stale facts)');
    const labA = await startLab(spec, { stateDir, prefix, replace: true });
    const app = coreFor(labA);
    await app.call('workspace.open', { path: labA.workspacePath, remember: false });
    const measuredA = await app.call('latency.measure', { count: 3, networks: ['management'] });
    expect(measuredA.unreachable).toBe(0);
    expect((await app.call('workspace.current', {})).latency).toMatchObject({ pairs: 2 });

    await stopLab(stateDir, { prefix });
    const labB = await startLab(spec, { stateDir, prefix, replace: true });
    expect(labB.host('a1').addresses).toEqual(labA.host('a1').addresses);

    // The same app opens the new lab's workspace: nothing measured on A is shown.
    const opened = await app.call('workspace.open', { path: labB.workspacePath, remember: false });
    expect(opened.latency).toMatchObject({ pairs: 0 });
    expect(opened.latency!.measuredAt).toBeUndefined();
    const current = await app.call('latency.current', {});
    expect(current.facts.latency).toBeUndefined();
    expect(opened.findings.filter((f) => f.figures?.rttMs !== undefined)).toEqual([]);
    const graph = buildGraph(opened.workspace!, current.facts, opened.findings);
    expect(graph.links.filter((l) => l.metric !== undefined)).toEqual([]);

    // Even a copy of A's file put back beside B's workspace is set aside: its host keys are A's.
    fs.writeFileSync(factsPathFor(labB.workspacePath), JSON.stringify({ latency: measuredA.matrix }));
    const reopened = await app.call('workspace.open', { path: labB.workspacePath, remember: false });
    expect(reopened.latency).toMatchObject({ pairs: 0 });
    expect(reopened.latency!.problem).toMatch(/another host key/);

    // Measured on B: B's figures, recorded with B's host keys.
    await app.close();
    cores.splice(cores.indexOf(app), 1);
    const appAgain = coreFor(labB);
    await appAgain.call('workspace.open', { path: labB.workspacePath, remember: false });
    const measuredB = await appAgain.call('latency.measure', { count: 3, networks: ['management'] });
    expect(measuredB.unreachable).toBe(0);
    expect(measuredB.matrix.estate!.nodes.a1!.hostKey!.fingerprint).not.toBe(measuredA.matrix.estate!.nodes.a1!.hostKey!.fingerprint);
    expect((await appAgain.call('workspace.current', {})).latency).toMatchObject({ pairs: 2 });
    const facts = (await appAgain.call('latency.current', {})).facts;
    expect(buildGraph((await appAgain.call('workspace.current', {})).workspace!, facts).links.some((l) => l.metric !== undefined)).toBe(true);
  }, 180_000);
});
