// A vSAN cluster whose stretching was disabled, as the workspace describes it (pure): the file says so with
// `stretched: false` and no witness, a file written before the field reads exactly as before, hostile values
// are refused where they stand; the canvas draws no witness for it, the what-if gives it a standard cluster's
// model, and the rules hold it to a standard cluster's limit (1 ms between all hosts) instead of a stretched one's.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Facts, LatencySample } from '../../workspace/facts.js';
import { renderWorkspaceEdit } from '../../workspace/edit.js';
import { parseWorkspace } from '../../workspace/parse.js';
import { validateWorkspace } from '../../workspace/rules/index.js';
import type { Workspace } from '../../workspace/schema.js';
import { workspaceWhatIf } from '../../whatif/workspace.js';
import { vsanStack } from './definition.js';
import { faultDomainsDeleted, unstretchedText, witnessOf } from './stretching.js';

const node = (name: string, site: string, n: number) => ({ name, site, addresses: { mgmt: `198.18.0.${n}`, data: `198.19.0.${n}` } });
const HOSTS = ['a1', 'a2', 'b1', 'b2'];

/** A 2+2+1 stretched cluster as a file holds it; `cluster` changes its entry (a key set to undefined is left out). */
function file(cluster: Record<string, unknown> = {}): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    name: 'stretch-01',
    datacenter: 'DC0',
    vcenter: { endpoint: '127.0.0.1:8989' },
    preferredSite: { site: 'a', hosts: ['a1', 'a2'] },
    secondarySite: { site: 'b', hosts: ['b1', 'b2'] },
    witness: { host: 'w1', site: 'c' },
    dataNetwork: 'data',
    witnessNetwork: 'mgmt',
    ...cluster,
  };
  for (const [k, v] of Object.entries(entry)) if (v === undefined) delete entry[k];
  return {
    version: 1,
    name: 'w',
    sites: [
      { name: 'a', kind: 'lan' },
      { name: 'b', kind: 'man' },
      { name: 'c', kind: 'wan' },
    ],
    networks: [
      { name: 'mgmt', roles: ['management'], cidr: '198.18.0.0/16' },
      { name: 'data', roles: ['vsan'], cidr: '198.19.0.0/16', bandwidthGbps: 1 },
    ],
    nodes: [node('a1', 'a', 1), node('a2', 'a', 2), node('b1', 'b', 3), node('b2', 'b', 4), node('w1', 'c', 5)],
    vsan: { clusters: [entry] },
  };
}
const parse = (raw: unknown) => parseWorkspace(stringify(raw));
const issuesOf = (raw: unknown) => parse(raw).issues.map((i) => [i.severity, i.path, i.message]);
const model = (raw: unknown): Workspace => {
  const parsed = parse(raw);
  if (!parsed.ok || !parsed.workspace) throw new Error(`the fixture does not read: ${JSON.stringify(parsed.issues)}`);
  return parsed.workspace;
};
const UNSTRETCHED = { stretched: false, witness: undefined };
/** Not stretched, and its two fault domains deleted afterwards (VMware's procedure): each host its own. */
const NO_FAULT_DOMAINS = { ...UNSTRETCHED, faultDomains: false };

function sample(network: string, from: string, to: string, ms: number): LatencySample {
  return { network, from, to, toAddress: '198.18.0.1', sent: 10, received: 10, lossPercent: 0, minMs: ms * 0.9, avgMs: ms, medianMs: ms, maxMs: ms * 1.2, mdevMs: ms * 0.05, measuredAt: '2026-01-01T00:00:00Z' };
}
/** Every data pair at `dataMs` on the data network (with `overrides`), and every host 300 ms from w1 on mgmt. */
function facts(dataMs: number, overrides: LatencySample[] = []): Facts {
  const samples: LatencySample[] = [];
  for (let i = 0; i < HOSTS.length; i++) for (let j = i + 1; j < HOSTS.length; j++) samples.push(overrides.find((o) => [o.from, o.to].sort().join() === [HOSTS[i], HOSTS[j]].sort().join()) ?? sample('data', HOSTS[i]!, HOSTS[j]!, dataMs));
  for (const h of HOSTS) samples.push(sample('mgmt', h, 'w1', 300));
  return { latency: { version: 1, measuredAt: '2026-01-01T00:00:00Z', runner: 'test', count: 10, intervalS: 0.2, samples } };
}

describe('the workspace file of a vSAN cluster', () => {
  it('reads a file written before `stretched` existed as before: stretched with its witness; a missing witness is the same located error, beside the entry’s other errors', () => {
    const old = parse(file());
    expect(old.ok).toBe(true);
    expect(old.issues).toEqual([]);
    expect(old.workspace!.vsan!.clusters[0]!.stretched).toBeUndefined();
    expect(witnessOf(old.workspace!.vsan!.clusters[0]!)).toEqual({ host: 'w1', site: 'c' });
    expect(issuesOf(file({ witness: undefined }))).toEqual([['error', 'vsan.clusters[0].witness', 'vsan.clusters[0].witness is missing: expected a mapping (key: value lines).']]);
    expect(issuesOf(file({ witness: undefined, dataNetwork: 'no such network!' }))).toEqual([
      ['error', 'vsan.clusters[0].witness', 'vsan.clusters[0].witness is missing: expected a mapping (key: value lines).'],
      ['error', 'vsan.clusters[0].dataNetwork', 'vsan.clusters[0].dataNetwork: expected a name made of letters, digits, ".", "_" or "-", starting with a letter or digit.'],
    ]);
    expect(issuesOf(file({ witness: 'w1' }))).toEqual([['error', 'vsan.clusters[0].witness', 'vsan.clusters[0].witness: expected a mapping (key: value lines), found the text "w1".']]);
  });

  it('records a cluster whose stretching was disabled: stretched false, no witness, the fault domains kept', () => {
    const parsed = parse(file(UNSTRETCHED));
    expect(parsed.issues).toEqual([]);
    const cluster = parsed.workspace!.vsan!.clusters[0]!;
    expect(cluster).toMatchObject({ stretched: false, preferredSite: { site: 'a', hosts: ['a1', 'a2'] }, secondarySite: { site: 'b', hosts: ['b1', 'b2'] } });
    expect(cluster.witness).toBeUndefined();
    expect(witnessOf(cluster)).toBeUndefined();
    // Stretched again by the admin: true (or no field) and a witness.
    expect(witnessOf(model(file({ stretched: true })).vsan!.clusters[0]!)).toEqual({ host: 'w1', site: 'c' });
  });

  it('refuses a witness beside stretched: false, a stretched cluster without one, and any stretched that is not true or false, each at its field', () => {
    expect(issuesOf(file({ stretched: false }))).toEqual([
      ['error', 'vsan.clusters[0].witness', expect.stringMatching(/^vsan\.clusters\[0\]\.witness: a cluster that is not stretched \(stretched: false\) has no witness: remove witness, or remove stretched/)],
    ]);
    expect(issuesOf(file({ stretched: true, witness: undefined }))).toEqual([['error', 'vsan.clusters[0].witness', 'vsan.clusters[0].witness is missing: expected a mapping (key: value lines).']]);
    for (const hostile of ['false', 'no', 'off', '$(cwpwn)', '-oProxyCommand=cwpwn', "{{ lookup('pipe','cwpwn') }}", 0, 1, null, ['false'], { value: false }]) {
      const parsed = parse(file({ stretched: hostile }));
      expect(parsed.ok, JSON.stringify(hostile)).toBe(false);
      expect(parsed.issues.find((i) => i.path === 'vsan.clusters[0].stretched'), JSON.stringify(hostile)).toMatchObject({ severity: 'error', message: expect.stringMatching(/^vsan\.clusters\[0\]\.stretched: expected true or false, found /), line: expect.any(Number) });
    }
  });

  it('an edit that records it writes stretched: false and drops the witness, keeping the rest of the file', () => {
    const text = stringify(file());
    const parsed = parseWorkspace(text);
    const next = structuredClone(parsed.workspace!);
    next.vsan!.clusters[0]!.stretched = false;
    delete next.vsan!.clusters[0]!.witness;
    const edited = renderWorkspaceEdit(text, parsed, next);
    expect(edited.parsed.ok).toBe(true);
    expect(edited.text).toMatch(/^\s+stretched: false$/m);
    expect(edited.text).not.toMatch(/^\s+witness:/m);
    expect(edited.text).toMatch(/^\s+witnessNetwork: mgmt$/m);
    expect(edited.parsed.workspace!.vsan!.clusters[0]!.preferredSite).toEqual({ site: 'a', hosts: ['a1', 'a2'] });
  });
});

describe('a cluster that is not stretched, on the canvas and in the what-if', () => {
  it('has no witness role, link, VM refusal or traffic; its data hosts and data links stay', () => {
    const stretched = model(file());
    const unstretched = model(file(UNSTRETCHED));
    // The same file, stretched: the witness is drawn (what the assertions below would otherwise find).
    expect(vsanStack.links(stretched).filter((l) => l.role === 'witness')).toHaveLength(4);
    expect(vsanStack.groups(stretched)[0]!.members.map((m) => m.role)).toContain('witness');

    expect(vsanStack.groups(unstretched)[0]!.members).toEqual(HOSTS.map((node) => ({ node, role: 'esxi', member: true })));
    const links = vsanStack.links(unstretched);
    expect(links.filter((l) => l.role === 'witness')).toEqual([]);
    expect(links.filter((l) => l.role === 'vsan')).toHaveLength(6);
    expect(vsanStack.noVmHosts!(unstretched)).toEqual([]);
    expect(vsanStack.traffic!(unstretched).map((t) => [t.role, t.nodes, t.limits?.errorMs])).toEqual([['vsan', HOSTS, 1]]);
    expect(vsanStack.quorumModels!(stretched)).toHaveLength(1);
  });

  it('has a what-if verdict of its own: its two former sites are fault domains, so a cut between them leaves every object unavailable', () => {
    const unstretched = model(file(UNSTRETCHED));
    const verdicts = workspaceWhatIf(unstretched);
    // Only the data sites: the former witness site c is no part of it any more.
    expect(verdicts.map((v) => v.scenario.title)).toEqual(['site a lost', 'site b lost', 'link a–b cut']);
    const [cluster, ...others] = verdicts.find((v) => v.scenario.title === 'link a–b cut')!.clusters;
    expect(others).toEqual([]);
    expect(cluster).toMatchObject({ stack: 'vsan', cluster: 'stretch-01', affected: true, sentence: 'link a–b cut: no partition keeps the objects (a: 1 of 3 votes, needs 2; b: 1 of 3 votes, needs 2)' });
    expect(cluster!.outcome.findings).toEqual([expect.stringMatching(/^vSAN cluster stretch-01 has two fault domains \(a and b\): FTT=1 mirroring needs three/)]);
    expect(verdicts.find((v) => v.scenario.title === 'site b lost')!.clusters[0]!.sentence).toBe('site b lost: no partition keeps the objects (a: 1 of 3 votes, needs 2)');
    // Stretched, the same file's cluster is the stretched model's: the witness site sides with the preferred site.
    expect(workspaceWhatIf(model(file())).find((v) => v.scenario.title === 'link a–b cut')!.clusters[0]!.sentence).toBe('link a–b cut: a and c keep the objects, 2 of 3 votes; b does not (1 of 3 votes, needs 2)');
  });
});

describe('the rules for a cluster that is not stretched', () => {
  it('demand no stretched-cluster limit of it (witness round trip, inter-site bandwidth, witness placement) and do not break on it', () => {
    const stretched = validateWorkspace(model(file()), facts(0.5));
    // Stretched: the witness 300 ms away and the 1 Gbps data network are errors.
    expect(stretched.filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(expect.arrayContaining(['vsan.witness-latency', 'vsan.data-bandwidth']));

    const findings = validateWorkspace(model(file(UNSTRETCHED)), facts(0.5));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['vsan.site-layout', 'info']]);
    expect(findings[0]!.message).toBe('vSAN cluster stretch-01 is not stretched: it has no witness, and its hosts keep the fault domains a and b. An object mirrored across two fault domains has no third one for its witness component, so vSAN cannot make it compliant again.');
    expect(findings[0]!.paths).toEqual(['vsan.clusters[0].stretched']);
    // Sixteen hosts in one fault domain: above a stretched cluster's 15 per site, not a limit of this cluster.
    const big = file(UNSTRETCHED);
    const extra = Array.from({ length: 14 }, (_, i) => node(`a${i + 3}`, 'a', 10 + i));
    (big.nodes as unknown[]).push(...extra);
    ((big.vsan as { clusters: { preferredSite: { hosts: string[] } }[] }).clusters[0]!.preferredSite.hosts).push(...extra.map((n) => n.name));
    expect(validateWorkspace(model(big), {}).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('hold it to a standard cluster’s maximum of 64 hosts over both fault domains: 64 pass, 65 are an error at its hosts', () => {
    /** The unstretched cluster with `perSite` more hosts in a and `perSite` + `odd` more in b. */
    const grown = (perSite: number, odd: number) => {
      const raw = file(UNSTRETCHED);
      const cluster = (raw.vsan as { clusters: { preferredSite: { hosts: string[] }; secondarySite: { hosts: string[] } }[] }).clusters[0]!;
      for (const [side, site, count] of [[cluster.preferredSite, 'a', perSite], [cluster.secondarySite, 'b', perSite + odd]] as const) {
        const extra = Array.from({ length: count }, (_, i) => node(`${site}x${i}`, site, (site === 'a' ? 10 : 100) + i));
        (raw.nodes as unknown[]).push(...extra);
        side.hosts.push(...extra.map((n) => n.name));
      }
      return validateWorkspace(model(raw), {}).filter((f) => f.ruleId === 'vsan.host-count');
    };
    expect(grown(30, 0)).toEqual([]);
    const [error, ...rest] = grown(30, 1);
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ severity: 'error', figures: { hosts: 65, limit: 64 }, paths: ['vsan.clusters[0].preferredSite.hosts', 'vsan.clusters[0].secondarySite.hosts'], elements: [{ kind: 'cluster', name: 'stretch-01', stack: 'vsan' }] });
    expect(error!.message).toBe('vSAN cluster stretch-01 is not stretched and has 65 hosts (32 in fault domain a, 33 in b); a standard vSAN cluster supports at most 64.');
    expect(error!.remedy).toBe('Move 1 or more of its hosts into another vSAN cluster.');
    expect(error!.source).toMatchObject({ document: 'VMware Configuration Maximums: vSAN', url: expect.stringMatching(/^https:\/\/configmax\./) });
  });

  it('hold it to 1 ms between all its hosts, inside a site too, where a stretched cluster allows 5 ms between its sites', () => {
    const crossSite = facts(0.5, [sample('data', 'a2', 'b1', 3)]);
    expect(validateWorkspace(model(file()), crossSite).filter((f) => f.ruleId === 'vsan.data-latency')).toEqual([]);
    const [error, ...rest] = validateWorkspace(model(file(UNSTRETCHED)), crossSite).filter((f) => f.ruleId === 'vsan.data-latency');
    expect(rest).toEqual([]);
    expect(error).toMatchObject({ severity: 'error', figures: { rttMs: 3, limitMs: 1 }, elements: [{ kind: 'link', name: 'a2', peer: 'b1', network: 'data' }, { kind: 'cluster', name: 'stretch-01', stack: 'vsan' }] });
    expect(error!.message).toMatch(/^vSAN data between a2 and b1 \(network data\): 3 ms .*, above the 1 ms VMware supports between the hosts of a vSAN cluster that is not stretched \(stretch-01\)\.$/);
    expect(error!.source.url).toMatch(/^https:\/\/docs\.vmware\.com\/.*vsan-planning/);
    const inSite = validateWorkspace(model(file(UNSTRETCHED)), facts(0.5, [sample('data', 'a1', 'a2', 1.6)])).filter((f) => f.ruleId === 'vsan.data-latency');
    expect(inSite.map((f) => [f.severity, f.figures?.rttMs])).toEqual([['error', 1.6]]);
    // Not measured yet: information that offers the measurement, for all six pairs.
    const unmeasured = validateWorkspace(model(file(UNSTRETCHED)), {}).filter((f) => f.ruleId === 'vsan.data-latency');
    expect(unmeasured.map((f) => [f.severity, f.figures?.unmeasuredPairs, f.action?.id])).toEqual([['info', 6, 'measure-latency']]);
  });
});

describe('a cluster that is not stretched whose fault domains were deleted (faultDomains: false)', () => {
  it('is recorded beside stretched: false only; a file without the field reads as before (the fault domains kept)', () => {
    const parsed = parse(file(NO_FAULT_DOMAINS));
    expect(parsed.issues).toEqual([]);
    const cluster = parsed.workspace!.vsan!.clusters[0]!;
    expect(cluster).toMatchObject({ stretched: false, faultDomains: false });
    expect(faultDomainsDeleted(cluster)).toBe(true);
    const kept = model(file(UNSTRETCHED)).vsan!.clusters[0]!;
    expect('faultDomains' in kept).toBe(false);
    expect(faultDomainsDeleted(kept)).toBe(false);
    // true says what absence says: kept.
    expect(faultDomainsDeleted(model(file({ ...UNSTRETCHED, faultDomains: true })).vsan!.clusters[0]!)).toBe(false);
    expect(faultDomainsDeleted(model(file()).vsan!.clusters[0]!)).toBe(false);
  });

  it('refuses it beside a stretched cluster (stretched true or absent), at its field, and anything but true or false', () => {
    expect(issuesOf(file({ stretched: true, faultDomains: false }))).toEqual([
      ['error', 'vsan.clusters[0].faultDomains', "vsan.clusters[0].faultDomains: faultDomains is only for a cluster that is not stretched (stretched: false): a stretched cluster's two data sites are its fault domains, and stretching a cluster again makes them again. Remove faultDomains."],
    ]);
    expect(issuesOf(file({ faultDomains: false }))).toEqual([['error', 'vsan.clusters[0].faultDomains', expect.stringMatching(/^vsan\.clusters\[0\]\.faultDomains: faultDomains is only for a cluster that is not stretched .*Remove faultDomains, or add stretched: false if stretching was disabled\.$/)]]);
    expect(issuesOf(file({ faultDomains: true }))).toEqual([['error', 'vsan.clusters[0].faultDomains', expect.stringMatching(/^vsan\.clusters\[0\]\.faultDomains: faultDomains is only for a cluster that is not stretched/)]]);
    // Beside the witness refusal of an unstretched cluster, each at its own field.
    expect(issuesOf(file({ stretched: false, faultDomains: false })).map(([, path]) => path)).toEqual(['vsan.clusters[0].witness']);
    for (const hostile of ['false', 'no', '$(cwpwn)', '-oProxyCommand=cwpwn', 0, null, [], { deleted: true }]) {
      const parsed = parse(file({ ...UNSTRETCHED, faultDomains: hostile }));
      expect(parsed.ok, JSON.stringify(hostile)).toBe(false);
      expect(parsed.issues.map((i) => i.path), JSON.stringify(hostile)).toEqual(['vsan.clusters[0].faultDomains']);
      expect(parsed.issues[0]!.message, JSON.stringify(hostile)).toMatch(/^vsan\.clusters\[0\]\.faultDomains: expected true or false, found /);
    }
  });

  it('gets no two-fault-domain finding from the rules, where the kept fault domains get one whose remedy records the deletion', () => {
    const kept = validateWorkspace(model(file(UNSTRETCHED)), facts(0.5));
    expect(kept.map((f) => [f.ruleId, f.severity])).toEqual([['vsan.site-layout', 'info']]);
    expect(kept[0]!.remedy).toMatch(/repair the objects, and record it here \(vsan\.clusters\[0\]\.faultDomains: false\)/);
    expect(validateWorkspace(model(file(NO_FAULT_DOMAINS)), facts(0.5))).toEqual([]);
    // Where the hosts stand is still checked: preferredSite and secondarySite still say it.
    const misplaced = file(NO_FAULT_DOMAINS);
    (misplaced.nodes as { name: string; site: string }[])[1]!.site = 'b';
    expect(validateWorkspace(model(misplaced), facts(0.5)).map((f) => [f.ruleId, f.severity, f.paths])).toEqual([['vsan.site-layout', 'error', ['vsan.clusters[0].preferredSite.hosts']]]);
  });

  it('is each host its own fault domain in the what-if: a 2 + 2 cut leaves each object with the side holding two of its components (object by object), not with neither', () => {
    const verdicts = workspaceWhatIf(model(file(NO_FAULT_DOMAINS)));
    const cut = verdicts.find((v) => v.scenario.title === 'link a–b cut')!.clusters[0]!;
    expect(cut.outcome.findings).toEqual([]);
    expect(cut.outcome.alternatives.map((a) => a.groups.map((g) => [g.sites.join(), g.keepsQuorum, g.votes]))).toEqual([
      [['a', true, 2], ['b', false, 1]],
      [['a', false, 1], ['b', true, 2]],
    ]);
    expect(cut.sentence).toBe(
      'link a–b cut: one of 2 outcomes (object by object: each object is in one of these cases, as vSAN placed its components, which the workspace does not record) — 1) a keeps the objects, 2 of 3 votes; b does not (1 of 3 votes, needs 2); 2) b keeps the objects, 2 of 3 votes; a does not (1 of 3 votes, needs 2)',
    );
    expect(cut.outcome.alternatives[0]!.groups[0]!.reason).toMatch(/on three different hosts\)/);
    // A site lost: the objects with two components on the other side stay, the others are lost with the site.
    expect(verdicts.find((v) => v.scenario.title === 'site b lost')!.clusters[0]!.outcome.alternatives.map((a) => a.groups.map((g) => [g.sites.join(), g.keepsQuorum]))).toEqual([[['a', true]], [['a', false]]]);
  });

  it('says so where the admin is told what the cluster is and what stretching it again takes: the stretch makes the fault domains again', () => {
    const text = unstretchedText(model(file(NO_FAULT_DOMAINS)).vsan!.clusters[0]!, 'vsan.clusters[0]');
    expect(text.what).toBe('vSAN cluster stretch-01 is not stretched (vsan.clusters[0].stretched: false, recorded after stretching was disabled): it has no witness and no preferred site, and its fault domains were deleted (vsan.clusters[0].faultDomains: false), so each host is a fault domain of its own.');
    expect(text.restretch).toMatch(/remove vsan\.clusters\[0\]\.stretched \(or set it to true\) and vsan\.clusters\[0\]\.faultDomains, and run the build plan\./);
    expect(text.restretch).toMatch(/the stretch makes the fault domains a \(preferred\) and b \(secondary\) again from the hosts preferredSite and secondarySite list/);
    expect(unstretchedText(model(file(UNSTRETCHED)).vsan!.clusters[0]!, 'vsan.clusters[0]').what).toMatch(/its hosts keep the fault domains a and b\.$/);
  });
});
