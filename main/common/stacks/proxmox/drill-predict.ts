// The failover drill's prediction for a Proxmox VE cluster (pure): when corosync notices the loss (totem token
// and consensus), then the HA model from that moment: which nodes fence themselves, which services HA restarts
// where, and when.
import type { DrillClusterPrediction, DrillGroupPrediction } from '../../drill/model.js';
import { simulateHa, type HaClusterConfig, type HaTimings } from './ha-model.js';

/** corosync.conf's totem timings that decide how long a loss takes to be seen (ms). */
export interface TotemTimings {
  token?: number;
  tokenCoefficient?: number;
  consensus?: number;
}

/**
 * Seconds from a cut until the surviving members have a new membership: the token timeout (corosync 3:
 * token + (nodes − 2) × token_coefficient, defaults 3000 and 650 ms) plus the consensus timeout (default 1.2 ×
 * token), as corosync.conf(5) describes them.
 */
export function detectionSeconds(totem: TotemTimings, nodes: number): number {
  const token = (totem.token ?? 3000) + Math.max(0, nodes - 2) * (totem.tokenCoefficient ?? 650);
  const consensus = totem.consensus ?? 1.2 * token;
  return Math.round((token + consensus) / 100) / 10;
}

export interface ProxmoxDrillInput {
  cluster: string;
  /** The partitions the quorum model predicts after the cut. */
  groups: DrillGroupPrediction[];
  ha: Omit<HaClusterConfig, 'timings' | 'externalLrm' | 'startFailures'>;
  timings: HaTimings;
  totem: TotemTimings;
}

export function predictProxmoxDrill(input: ProxmoxDrillInput): DrillClusterPrediction {
  const detectS = detectionSeconds(input.totem, input.ha.nodes.length);
  const t = input.timings;
  const timings = `totem token ${input.totem.token ?? 3000} ms (loss seen after ~${detectS} s); HA rounds ${t.roundS} s, fence delay ${t.fenceDelayS} s, lock lifetime ${t.lockTimeoutS} s, watchdog ${t.watchdogS} s`;
  const horizon = detectS + 4 * (t.lockTimeoutS + t.fenceDelayS + t.roundS);
  const outcome = simulateHa({
    ...input.ha,
    timings: { ...t, startS: 0.5 },
    membership: [{ at: detectS, partitions: input.groups.map((g) => ({ nodes: g.members, quorate: g.keepsQuorum })) }],
    until: horizon,
  });
  const services = input.ha.resources.map((r) => {
    const started = outcome.transitions.find((tr) => tr.sid === r.sid && tr.to === 'started' && tr.from !== 'started' && tr.node !== r.node && tr.at > detectS);
    const final = outcome.final.services.find((s) => s.sid === r.sid);
    if (started) return { sid: r.sid, from: r.node, to: started.node, backAfterS: Math.round(started.at * 10) / 10 };
    const note = final && final.node === r.node && final.state === 'started' ? 'its node keeps quorum' : final ? `stays ${final.state} on ${final.node}: no quorate node the HA rules allow` : 'not managed';
    return { sid: r.sid, from: r.node, note };
  });
  const selfFence = outcome.nodeEvents.filter((e) => e.event === 'self-fenced').map((e) => ({ node: e.node, afterS: Math.round(e.at * 10) / 10 }));
  return { stack: 'proxmox', cluster: input.cluster, groups: input.groups, services, detectS, selfFence, timings };
}
