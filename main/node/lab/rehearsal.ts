// "Rehearse this estate" (pure): a lab description whose sites and site-to-site links replay the figures
// measured on the real workspace (its latency file: round trip, jitter and loss per site pair), with every
// real node mapped to a lab host of the same site. A site pair without a figure takes its site kind's preset.
import type { LatencyMatrix, Workspace } from '../../common/workspace/index.js';
import { maxHosts, maxHostsPerSite, maxSites, type LabSpecInput } from './spec.js';
import { basePathRttMs, delayedPathRttMs, type PresetName } from './presets.js';

export interface RehearsalLink {
  between: [string, string];
  /** What the lab replays: round trip (median of the pairs' medians), jitter (median mdev; below 1 ms not replayed), loss (mean). */
  delayMs: number;
  /** The round trip (median) the lab's link will hold for it. */
  holdsMs?: number;
  jitterMs: number;
  lossPercent: number;
  /** Samples it comes from (0: the site kind's preset). */
  samples: number;
  preset?: PresetName;
}

export interface Rehearsal {
  spec: LabSpecInput;
  /** Real node → lab host, and their site in the lab. */
  mapping: { node: string; host: string; site: string }[];
  links: RehearsalLink[];
  notes: string[];
}

const labName = (raw: string, max: number, taken: Set<string>, fallback: string): string => {
  let base = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(base)) base = `${fallback}${base}`;
  base = base.slice(0, max).replace(/-+$/, '') || fallback;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base.slice(0, max - String(i).length)}${i}`;
  taken.add(name);
  return name;
};

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const round2 = (v: number) => Math.round(v * 100) / 100;

/** The site kinds' presets in the lab's words. */
const presetFor: Record<string, PresetName> = { lan: 'lan', man: 'man', wan: 'wan', internet: 'internet' };

/** `stacks`: each stack's lab section for the rehearsal, by its lab key (StackLab.rehearse). */
export function rehearsalSpec(workspace: Workspace, latency: LatencyMatrix | undefined, options: { name?: string; stacks?: Record<string, unknown> } = {}): Rehearsal {
  const notes: string[] = [];
  const sites = workspace.sites.filter((s) => workspace.nodes.some((n) => n.site === s.name));
  if (sites.length > maxSites) throw new Error(`The lab holds at most ${maxSites} sites; this workspace has ${sites.length} with nodes.`);
  if (workspace.nodes.length > maxHosts) throw new Error(`The lab holds at most ${maxHosts} hosts; this workspace has ${workspace.nodes.length} nodes.`);
  const siteNames = new Set<string>();
  const hostNames = new Set<string>();
  const labSite = new Map<string, string>();
  const mapping: Rehearsal['mapping'] = [];
  for (const s of sites) {
    const site = labName(s.name, 16, siteNames, 's');
    labSite.set(s.name, site);
    const nodes = workspace.nodes.filter((n) => n.site === s.name);
    if (nodes.length > maxHostsPerSite) throw new Error(`The lab holds at most ${maxHostsPerSite} hosts per site; site ${s.name} has ${nodes.length}.`);
    for (const n of nodes) mapping.push({ node: n.name, host: labName(n.name, 31, hostNames, 'h'), site });
  }
  const siteOfNode = new Map(workspace.nodes.map((n) => [n.name, n.site]));
  const links: RehearsalLink[] = [];
  for (let i = 0; i < sites.length; i++) {
    for (let j = i + 1; j < sites.length; j++) {
      const [x, y] = [sites[i]!, sites[j]!];
      const samples = (latency?.samples ?? []).filter((s) => {
        const a = siteOfNode.get(s.from);
        const b = siteOfNode.get(s.to);
        return (a === x.name && b === y.name) || (a === y.name && b === x.name);
      });
      const between: [string, string] = [labSite.get(x.name)!, labSite.get(y.name)!];
      const answered = samples.filter((s) => (s.medianMs ?? s.avgMs) !== undefined);
      if (!answered.length) {
        // The slower of the two sites' kinds, as the lab does for pairs it is not told about.
        const order: PresetName[] = ['lan', 'man', 'wan', 'internet'];
        const preset = order[Math.max(order.indexOf(presetFor[x.kind] ?? 'lan'), order.indexOf(presetFor[y.kind] ?? 'lan'))]!;
        links.push({ between, delayMs: 0, jitterMs: 0, lossPercent: 0, samples: 0, preset });
        notes.push(`${x.name}–${y.name}: nothing measured${samples.length ? ' (every probe lost)' : ''}; the lab uses the ${preset} preset.`);
        continue;
      }
      const delayMs = round2(median(answered.map((s) => (s.medianMs ?? s.avgMs)!)));
      const recordedJitter = round2(median(answered.map((s) => s.mdevMs ?? 0)));
      // The lab's links delay in whole milliseconds per direction over a path of ≈0.4 ms (docs/lab.md), so without
      // jitter a round trip lands on whole ms + 0.4. Jitter below 1 ms is not replayed: it would only shift that step.
      const jitterMs = recordedJitter >= 1 ? recordedJitter : 0;
      const holdsMs = jitterMs ? delayMs : delayMs < basePathRttMs + 0.5 ? basePathRttMs : round2(Math.round(delayMs - delayedPathRttMs) + delayedPathRttMs);
      if (Math.abs(holdsMs - delayMs) > Math.max(0.1 * delayMs, 0.3))
        notes.push(`${x.name}–${y.name}: the lab holds ${holdsMs} ms for the recorded ${delayMs} ms (its links delay in whole milliseconds per direction).`);
      if (recordedJitter > 0 && !jitterMs) notes.push(`${x.name}–${y.name}: the recorded spread of ${recordedJitter} ms is not replayed (below the lab's 1 ms step).`);
      links.push({ between, delayMs, holdsMs, jitterMs, lossPercent: round2(samples.reduce((sum, s) => sum + s.lossPercent, 0) / samples.length), samples: samples.length });
    }
  }
  const spec: LabSpecInput = {
    name: labName(options.name ?? `rehearse-${workspace.name}`, 32, new Set(), 'r'),
    description: `Rehearsal of ${workspace.name}: sites and links replay its measured figures.`,
    ...(options.stacks ?? {}),
    sites: sites.map((s) => ({ name: labSite.get(s.name)!, hosts: mapping.filter((m) => m.site === labSite.get(s.name)).map((m) => m.host) })),
    links: links.map((l) => ({ between: l.between, link: l.preset ?? { delay: l.delayMs, jitter: l.jitterMs, loss: l.lossPercent } })),
  } as LabSpecInput;
  if (!latency) notes.push('The workspace has no latency file: every site pair uses its site kinds\' preset. Measure the latency first for a faithful rehearsal.');
  notes.push('Bandwidth is not replayed: the latency file records none.');
  return { spec, mapping, links, notes };
}
