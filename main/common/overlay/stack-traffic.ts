// What each stack sends over a workspace network, and which bandwidth limits each stack offers (pure).
// The overlay core asks the stack list (each StackDefinition's `traffic` and `bandwidthSettings`) instead
// of reading stack sections itself.
import { bandwidthSettingsOf, trafficOf, type StackList } from '../stacks/compose.js';
import type { BandwidthSetting, StackTraffic, StackWorkspace } from '../stacks/types.js';

export type { BandwidthSetting, LatencyLimits, StackTraffic } from '../stacks/types.js';

/** Every stack traffic on one of `networks`. */
export function trafficOn(workspace: StackWorkspace, networks: readonly string[], list?: StackList): StackTraffic[] {
  const wanted = new Set(networks);
  return trafficOf(workspace, list).filter((t) => wanted.has(t.network));
}

/** The limits each stack offers, for a budget of `mbit` Mbit/s (10^6 bit/s). */
export function bandwidthSettings(mbit: number, list?: StackList): BandwidthSetting[] {
  return bandwidthSettingsOf(mbit, list);
}
