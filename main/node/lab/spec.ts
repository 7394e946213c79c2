// The lab description (YAML): sites, hosts per site and site-to-site links, validated with zod and normalised.
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { CwError } from '../../common/errors.js';
import { stacks as registered } from '../../common/stacks/registry.js';
import type { AnyStackDefinition } from '../../common/stacks/types.js';
import { isPresetName, presetNames, presets, type LinkParams, type PresetName } from './presets.js';

export const maxSites = 12;
export const maxHosts = 50;
export const maxHostsPerSite = 50;

const siteName = z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'a site name is 1–16 characters: lower-case letters, digits and "-", starting with a letter');
const hostName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'a host name is 1–31 characters: lower-case letters, digits and "-", starting with a letter');

const linkParamsSchema = z
  .object({
    delay: z.number().min(0).max(10_000).describe('round-trip time, ms'),
    jitter: z.number().min(0).max(10_000).optional().describe('± ms around the round-trip time'),
    loss: z.number().min(0).max(100).optional().describe('% of round trips lost'),
    bandwidth: z.number().min(0).max(100_000).optional().describe('Mbit/s per direction, 0 = unlimited'),
  })
  .strict();

const linkSchema = z.union([z.enum(presetNames), linkParamsSchema]);

const hostSchema = z.union([
  hostName,
  z.object({ name: hostName, reachableFromApp: z.boolean().optional() }).strict(),
]);

const siteSchema = z
  .object({
    name: siteName,
    hosts: z.union([z.number().int().min(1).max(maxHostsPerSite), z.array(hostSchema).min(1).max(maxHostsPerSite)]),
    link: linkSchema.optional(),
    reachableFromApp: z.boolean().optional(),
  })
  .strict();

/**
 * The lab description for a list of stacks: each stack with a lab section (`<key>: true`, which starts its
 * API simulator per host) adds its key.
 */
export function labSpecSchemaFor(list: readonly AnyStackDefinition[] = registered) {
  const sections = Object.fromEntries(list.flatMap((s) => (s.lab ? [[s.lab.key, s.lab.schema.optional()]] : [])));
  return z
    .object({
      name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a lab name is 1–32 characters: lower-case letters, digits and "-"'),
      description: z.string().optional(),
      appSite: siteName.optional(),
      realtime: z.boolean().optional(),
      ...sections,
      sites: z.array(siteSchema).min(1).max(maxSites),
      links: z.array(z.object({ between: z.tuple([siteName, siteName]), link: linkSchema }).strict()).optional(),
    })
    .strict();
}

export const labSpecSchema = labSpecSchemaFor();

export type LabSpecInput = z.infer<typeof labSpecSchema> & Record<string, unknown>;

export interface LabLinkSpec {
  a: string;
  b: string;
  params: LinkParams;
  preset?: PresetName;
}

export interface LabHostSpec {
  name: string;
  reachableFromApp: boolean;
}

export interface LabSiteSpec {
  name: string;
  reachableFromApp: boolean;
  hosts: LabHostSpec[];
}

/** A validated lab description with every default filled in and every site pair's link resolved. */
export interface LabSpec {
  name: string;
  description?: string;
  /** The site the app (the root namespace) is attached to. */
  appSite: string;
  /** Let lab processes keep CAP_SYS_NICE, so corosync runs at real-time priority (can starve a small machine). */
  realtime: boolean;
  /** The stacks' lab sections by their key, as written (`<key>: true`): what the lab's hosts run for each stack. */
  stacks?: Record<string, unknown>;
  sites: LabSiteSpec[];
  /** One entry per unordered site pair, a before b in site order. */
  links: LabLinkSpec[];
}

function toParams(link: z.infer<typeof linkSchema>): { params: LinkParams; preset?: PresetName } {
  if (typeof link === 'string') return { params: { ...presets[link] }, preset: link };
  return { params: { delayMs: link.delay, jitterMs: link.jitter ?? 0, lossPercent: link.loss ?? 0, bandwidthMbit: link.bandwidth ?? 0 } };
}

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
    return `  ${where}: ${issue.message}`;
  });
  return `The lab description ${source} is not valid:\n${lines.join('\n')}`;
}

/**
 * Validates and normalises a parsed lab description. Pairs of sites without an entry in `links` get
 * the slower of the two sites' own links to the app's site (a site's `link`), so `b` over man and
 * `c` over wan gives b↔c = wan.
 */
export function normalizeLabSpec(raw: unknown, source = '(inline)'): LabSpec {
  const parsed = labSpecSchema.safeParse(raw);
  if (!parsed.success) throw new CwError('INVALID_INPUT', formatIssues(parsed.error, source), { issues: parsed.error.issues });
  const input = parsed.data as LabSpecInput;
  const problems: string[] = [];
  const siteNames = input.sites.map((s) => s.name);
  const appSite = input.appSite ?? siteNames[0]!;
  if (!siteNames.includes(appSite)) problems.push(`appSite: "${appSite}" is not one of the sites (${siteNames.join(', ')})`);
  const seenSites = new Set<string>();
  const seenHosts = new Set<string>();
  const sites: LabSiteSpec[] = [];
  const uplinks = new Map<string, { params: LinkParams; preset?: PresetName }>();
  for (const [i, site] of input.sites.entries()) {
    if (seenSites.has(site.name)) problems.push(`sites[${i}].name: the site "${site.name}" is listed twice`);
    seenSites.add(site.name);
    const siteReachable = site.reachableFromApp ?? true;
    const hosts: LabHostSpec[] =
      typeof site.hosts === 'number'
        ? Array.from({ length: site.hosts }, (_, k) => ({ name: `${site.name}${k + 1}`, reachableFromApp: siteReachable }))
        : site.hosts.map((h) => (typeof h === 'string' ? { name: h, reachableFromApp: siteReachable } : { name: h.name, reachableFromApp: siteReachable && (h.reachableFromApp ?? true) }));
    for (const host of hosts) {
      if (seenHosts.has(host.name)) problems.push(`sites[${i}].hosts: the host name "${host.name}" is used twice`);
      seenHosts.add(host.name);
    }
    if (site.name === appSite && !siteReachable) problems.push(`sites[${i}].reachableFromApp: the app's own site "${appSite}" must be reachable`);
    uplinks.set(site.name, site.link === undefined ? { params: { ...presets.lan }, preset: 'lan' } : toParams(site.link));
    sites.push({ name: site.name, reachableFromApp: siteReachable, hosts });
  }
  if (seenHosts.size > maxHosts) problems.push(`sites: ${seenHosts.size} hosts in all; a lab holds at most ${maxHosts}`);
  const stackSections: Record<string, unknown> = {};
  for (const stack of registered) {
    const section = stack.lab ? (input as Record<string, unknown>)[stack.lab.key] : undefined;
    if (section === undefined || section === false || !stack.lab) continue;
    stackSections[stack.lab.key] = section;
    problems.push(...(stack.lab.check?.(section, [...seenHosts]) ?? []));
  }
  const explicit = new Map<string, { params: LinkParams; preset?: PresetName }>();
  for (const [i, link] of (input.links ?? []).entries()) {
    const [a, b] = link.between;
    for (const s of [a, b]) if (!siteNames.includes(s)) problems.push(`links[${i}].between: "${s}" is not one of the sites (${siteNames.join(', ')})`);
    if (a === b) problems.push(`links[${i}].between: a link joins two different sites, not "${a}" to itself`);
    const key = pairKey(a, b);
    if (explicit.has(key)) problems.push(`links[${i}]: the pair ${a}–${b} is listed twice`);
    explicit.set(key, toParams(link.link));
  }
  if (problems.length) throw new CwError('INVALID_INPUT', `The lab description ${source} is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const links: LabLinkSpec[] = [];
  for (let i = 0; i < sites.length; i += 1) {
    for (let j = i + 1; j < sites.length; j += 1) {
      const a = sites[i]!.name;
      const b = sites[j]!.name;
      let chosen = explicit.get(pairKey(a, b));
      if (!chosen) {
        if (a === appSite) chosen = uplinks.get(b)!;
        else if (b === appSite) chosen = uplinks.get(a)!;
        else {
          const ua = uplinks.get(a)!;
          const ub = uplinks.get(b)!;
          chosen = ua.params.delayMs >= ub.params.delayMs ? ua : ub;
        }
      }
      links.push({ a, b, params: { ...chosen.params }, ...(chosen.preset ? { preset: chosen.preset } : {}) });
    }
  }
  return {
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    appSite,
    realtime: input.realtime ?? false,
    ...(Object.keys(stackSections).length ? { stacks: stackSections } : {}),
    sites,
    links,
  };
}

/** Parses and validates a lab description in YAML; errors name the field and say what is expected. */
export function loadLabSpec(yamlText: string, source = '(inline)'): LabSpec {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (error) {
    throw new CwError('INVALID_INPUT', `The lab description ${source} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  return normalizeLabSpec(raw, source);
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** Parses a link given on the command line or through the API: a preset name or explicit parameters. */
export function linkFrom(value: PresetName | string | Partial<LinkParams>): { params: LinkParams; preset?: PresetName } {
  if (typeof value === 'string') {
    if (!isPresetName(value)) throw new CwError('INVALID_INPUT', `"${value}" is not a link preset; use one of ${presetNames.join(', ')} or give --delay/--jitter/--loss/--bandwidth.`);
    return { params: { ...presets[value] }, preset: value };
  }
  if (value.delayMs === undefined) throw new CwError('INVALID_INPUT', 'A link needs at least a delay (round-trip ms) or a preset name.');
  const params: LinkParams = { delayMs: value.delayMs, jitterMs: value.jitterMs ?? 0, lossPercent: value.lossPercent ?? 0, bandwidthMbit: value.bandwidthMbit ?? 0 };
  for (const [key, v] of Object.entries(params)) {
    if (!Number.isFinite(v) || v < 0) throw new CwError('INVALID_INPUT', `The link's ${key} must be a number ≥ 0, not ${v}.`);
  }
  if (params.lossPercent > 100) throw new CwError('INVALID_INPUT', `Loss is a percentage (0–100), not ${params.lossPercent}.`);
  return { params };
}
