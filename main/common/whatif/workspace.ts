// The what-if for a workspace: its sites as the estate and every cluster's quorum model, each asked of
// its stack (StackDefinition.quorumModels) — the what-if core names no stack.
import { quorumModelsOf, type StackList } from '../stacks/compose.js';
import type { StackWorkspace } from '../stacks/types.js';
import type { Estate } from './estate.js';
import { whatIf, type QuorumModel, type Scenario, type ScenarioVerdict } from './scenarios.js';

/** The workspace's sites, every pair joined directly (the workspace does not describe the WAN between them). */
export function workspaceEstate(workspace: StackWorkspace): Estate {
  return { sites: workspace.sites.map((s) => s.name) };
}

/** Every cluster of every stack that has a quorum model. */
export function workspaceQuorumModels(workspace: StackWorkspace, list?: StackList): QuorumModel[] {
  return quorumModelsOf(workspace, list);
}

/** Every single-site loss and link cut (plus `picked`), evaluated for every cluster of the workspace. */
export function workspaceWhatIf(workspace: StackWorkspace, picked: Scenario[] = [], list?: StackList): ScenarioVerdict[] {
  return whatIf(workspaceEstate(workspace), workspaceQuorumModels(workspace, list), picked);
}
