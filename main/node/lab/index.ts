// The lab's public API: describe a lab in YAML, start it, drive its links and hosts, stop it.
export { Lab, labMemoryKiB, openLab, overlapsLabRange, rangesOverlap, startLab, stopLab } from './lab.js';
export type { ExecOptions, LabHost, LabStatus, LinkOptions, LinkStatus, StartLabOptions } from './lab.js';
export { labNetworks, maxSlots, planLab, slotRanges } from './plan.js';
export type { LabPlan, NetworkIndex, PlannedHost, PlannedLink, PlannedSite } from './plan.js';
export { basePathRttMs, delayedPathRttMs, delayPlan, describeLink, isPresetName, presetNames, presets, wirefilterCommands } from './presets.js';
export type { LinkParams, PresetName } from './presets.js';
export { labSpecSchema, linkFrom, loadLabSpec, normalizeLabSpec } from './spec.js';
export type { LabHostSpec, LabLinkSpec, LabSiteSpec, LabSpec } from './spec.js';
export { readLabState } from './state.js';
export type { HostKey, LabStateFile, LinkNetworkState, LinkState } from './state.js';
export { preflight, requiredPrograms, run, tcpOpen } from './system.js';
export type { RunResult } from './system.js';
export { describeLabWorkspace, labWorkspaceModel, labWorkspaceText, siteKindFor } from './workspace.js';
export type { LabWorkspaceDescription, SiteKind } from './workspace.js';
export { defaultLabStateDir } from './paths.js';
export { etcPveLinkTarget } from './host-files.js';
