// The four-office estate both rehearsal tests rehearse (core and Chromium): a Zurich HQ with two nodes and three
// branch offices, one Proxmox cluster over all five, and the latency file a run on the real nodes wrote for it.
import fs from 'node:fs';
import path from 'node:path';
import { estateOf, type LatencyMatrix } from '../../main/common/workspace/facts.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { saveFacts } from '../../main/node/workspace/facts-file.js';

/** The workspace on `prefix`.0/24 (e.g. "10.40.0"); `api` is the cluster's api line's inner part, if any. */
export function fourOfficesYaml(prefix: string, api?: string): string {
  return `version: 1
name: four-offices
sites:
  - { name: Zurich-HQ, kind: lan }
  - { name: bern, kind: man }
  - { name: basel, kind: man }
  - { name: geneva, kind: wan }
networks:
  - { name: ring0, roles: [corosync, management], cidr: ${prefix}.0/24 }
nodes:
  - { name: zh1, site: Zurich-HQ, addresses: { ring0: ${prefix}.11 } }
  - { name: zh2, site: Zurich-HQ, addresses: { ring0: ${prefix}.12 } }
  - { name: be1, site: bern, addresses: { ring0: ${prefix}.21 } }
  - { name: bs1, site: basel, addresses: { ring0: ${prefix}.31 } }
  - { name: ge1, site: geneva, addresses: { ring0: ${prefix}.41 } }
proxmox:
  clusters:
    - name: offices
      nodes: [zh1, zh2, be1, bs1, ge1]
      links: [{ link: 0, network: ring0 }]
${api ? `      api: { ${api} }\n` : ''}`;
}

/**
 * The recording per site pair (keys sorted: "a|b"): round trip median and spread. The lab holds round trips on
 * whole milliseconds + 0.4 (docs/lab.md); these lie within ±0.3 ms of such steps.
 */
export const fourOfficesRecorded: Record<string, { rtt: number; mdev: number }> = {
  'Zurich-HQ|bern': { rtt: 1.5, mdev: 0.1 },
  'Zurich-HQ|basel': { rtt: 3.3, mdev: 0.1 },
  'Zurich-HQ|geneva': { rtt: 4.3, mdev: 0.2 },
  'basel|bern': { rtt: 2.5, mdev: 0.1 },
  'bern|geneva': { rtt: 3.5, mdev: 0.2 },
  'basel|geneva': { rtt: 2.3, mdev: 0.1 },
};

export const sitePairKey = (a: string, b: string) => [a, b].sort().join('|');

/** Writes the workspace as `dir`/clusterwright.yaml with the recording beside it; returns the file and its sample count. */
export async function writeFourOffices(dir: string, yaml: string): Promise<{ file: string; samples: number; siteOf: Map<string, string> }> {
  const workspace = parseWorkspace(yaml).workspace!;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'clusterwright.yaml');
  fs.writeFileSync(file, yaml);
  const siteOf = new Map(workspace.nodes.map((n) => [n.name, n.site]));
  const samples: LatencyMatrix['samples'] = [];
  for (const from of workspace.nodes) {
    for (const to of workspace.nodes) {
      if (from === to) continue;
      const [x, y] = [siteOf.get(from.name)!, siteOf.get(to.name)!];
      const fig = x === y ? { rtt: 0.2, mdev: 0.02 } : fourOfficesRecorded[sitePairKey(x, y)]!;
      samples.push({ network: 'ring0', from: from.name, to: to.name, toAddress: to.addresses.ring0!, sent: 10, received: 10, lossPercent: 0, minMs: fig.rtt - 0.1, avgMs: fig.rtt, medianMs: fig.rtt, maxMs: fig.rtt + 0.3, mdevMs: fig.mdev, measuredAt: '2026-12-01T10:00:00.000Z' });
    }
  }
  await saveFacts(file, { latency: { version: 1, measuredAt: '2026-12-01T10:00:00.000Z', runner: 'ssh', count: 10, warmupProbes: 1, intervalS: 0.2, samples, estate: estateOf(workspace, file) } });
  return { file, samples: samples.length, siteOf };
}
