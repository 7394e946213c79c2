// What a validation rule is and what it returns: findings with a severity, the measured figure in
// the message, the elements concerned (for the canvas and the findings panel), a remedy in the
// admin's words, the action the app can take for it, the field paths as a detail, and a source.
import * as z from 'zod';
import { findingActionSchema } from './actions.js';
import type { FactIndex, Facts } from '../facts.js';
import type { Network, Workspace, WorkspaceNode } from '../schema.js';

export const severities = ['error', 'warning', 'info'] as const;
export type Severity = (typeof severities)[number];

export const elementRefSchema = z.object({
  /** `cluster`: a stack's cluster or region (`stack` says whose). */
  kind: z.enum(['site', 'node', 'network', 'cluster', 'link']),
  name: z.string(),
  /** For clusters: the stack id. */
  stack: z.string().optional(),
  /** For links: the other end and the network. */
  peer: z.string().optional(),
  network: z.string().optional(),
});
export type ElementRef = z.infer<typeof elementRefSchema>;

/** The vendor's (or standard's) document a rule follows: its title, the section, and its address where known. */
export const ruleSourceSchema = z.object({
  document: z.string(),
  section: z.string().optional(),
  url: z.string().optional(),
});
export type RuleSource = z.infer<typeof ruleSourceSchema>;

export const findingSchema = z.object({
  ruleId: z.string(),
  severity: z.enum(severities),
  message: z.string(),
  elements: z.array(elementRefSchema),
  /** Field paths in the workspace file (<section>.clusters[0].links[1]): a detail, never the remedy itself. */
  paths: z.array(z.string()),
  /** What to do, in the admin's words (no field paths, no YAML). */
  remedy: z.string(),
  /** What the app can do for it (the button beside the remedy), when it can. */
  action: findingActionSchema.optional(),
  source: ruleSourceSchema,
  /** The measured or counted figures behind the message (rttMs, hosts, votes…). */
  figures: z.record(z.string(), z.number()).optional(),
  /** The admin accepted this finding (e.g. a WAN-tuned corosync layout); it no longer blocks. */
  accepted: z.boolean().optional(),
});
export type Finding = z.infer<typeof findingSchema>;

export interface RuleContext {
  workspace: Workspace;
  facts: FactIndex;
  rawFacts: Facts;
  node(name: string): WorkspaceNode | undefined;
  network(name: string): Network | undefined;
}

export type FindingDraft = Omit<Finding, 'ruleId' | 'source'> & { source?: RuleSource };

export interface Rule {
  id: string;
  /** The stack id, or 'general' for rules of every workspace. */
  stack: string;
  title: string;
  source: RuleSource;
  check(ctx: RuleContext): FindingDraft[];
}
