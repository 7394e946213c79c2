// corosync totem timing for a measured link: token, consensus and join from RTT, jitter and loss,
// with the reasoning as text, and the point past which one cluster should become several.
import { lossClearlyAbove, probesLost } from '../../workspace/loss.js';

/** Corosync 3 defaults as Proxmox VE ships them. */
export const corosyncDefaults = {
  /** totem.token, ms (corosync.conf(5); PVE does not override it). */
  tokenMs: 3000,
  /** totem.token_coefficient, ms per node above two (corosync default). */
  tokenCoefficientMs: 650,
  /** What `pvecm create` / POST /cluster/config writes on PVE 9 unless told otherwise. */
  pveCreateTokenCoefficientMs: 125,
  /** consensus = 1.2 × token when unset. */
  consensusFactor: 1.2,
  /** totem.token_retransmits_before_loss_const. */
  retransmitsBeforeLoss: 4,
  /** totem.join, ms. */
  joinMs: 50,
} as const;

/** Proxmox's documented limit for corosync links: below this, no tuning is needed. */
export const lanRttLimitMs = 5;

/**
 * Past these, we recommend separate clusters joined by cross-cluster migration (`qm remote-migrate`,
 * the way Proxmox Datacenter Manager does) instead of stretching one corosync ring.
 */
export const separateClusterLimits = {
  /** One token rotation (every node passes the token once), worst case, ms. */
  rotationMs: 100,
  /**
   * Packet loss on the link, percent. knet retransmits and totem tolerates occasional loss; from a few
   * percent on, lost tokens keep the membership re-forming. (2 % also keeps a short ping sample of a
   * 0.5 %-loss link from tipping the verdict.)
   */
  lossPct: 2,
} as const;

export interface LinkMeasurement {
  /** Mean round-trip time between the two furthest sites on this corosync link, ms. */
  rttMs: number;
  /** Jitter (standard deviation or ping's mdev) of that RTT, ms. */
  jitterMs: number;
  /** Packet loss, percent (0 when not measured). */
  lossPct?: number;
  /** Probes the loss figure counts; a few lost probes of a short sample do not condemn a link on their own. */
  probes?: number;
}

export interface TotemTuning {
  verdict: 'lan' | 'wan-tuned' | 'separate-clusters';
  /** Values to write into totem (undefined where the default is right). */
  totem: { token?: number; token_coefficient?: number; consensus?: number; join?: number };
  /** The token corosync will actually use with `nodes` nodes: token + (nodes − 2) × coefficient. */
  effectiveTokenMs: number;
  consensusMs: number;
  /** How long a dead node takes to be noticed and the membership to re-form (token + consensus). */
  failoverDetectionMs: number;
  worstRttMs: number;
  rotationMs: number;
  /** Plain sentences, in order, that explain each number. */
  reasoning: string[];
}

const ceilTo = (v: number, step: number): number => Math.ceil(v / step) * step;

/** Effective token timeout corosync computes for a nodelist of `nodes` entries. */
export function effectiveToken(tokenMs: number, coefficientMs: number, nodes: number): number {
  return nodes > 2 ? tokenMs + (nodes - 2) * coefficientMs : tokenMs;
}

/**
 * Computes totem timing for `nodes` nodes on a link with the given measurement.
 * `tokenCoefficientMs` is the cluster's current coefficient (PVE 9 creates clusters with 125 ms).
 */
export function tuneTotem(m: LinkMeasurement, nodes: number, tokenCoefficientMs: number = corosyncDefaults.pveCreateTokenCoefficientMs): TotemTuning {
  const reasoning: string[] = [];
  const loss = m.lossPct ?? 0;
  const worstRtt = m.rttMs + 3 * m.jitterMs;
  const oneWay = worstRtt / 2;
  // Each node holds the token briefly to send its queued messages; 1 ms each is generous on idle clusters.
  const rotation = nodes * (oneWay + 1);
  reasoning.push(
    `Worst-case RTT ≈ mean + 3 × jitter = ${fmt(m.rttMs)} + 3 × ${fmt(m.jitterMs)} = ${fmt(worstRtt)} ms, so one hop takes up to ${fmt(oneWay)} ms.`,
    `The token visits all ${nodes} nodes in turn: one rotation ≈ ${nodes} × (${fmt(oneWay)} + 1 ms handling) = ${fmt(rotation)} ms.`,
  );
  // Corosync retransmits the token every token/(retransmits + 0.2) ms; a retransmit must not fire
  // while the token is still on its way, so that interval needs two rotations of headroom.
  const retransmitNeeded = 2 * rotation;
  const tokenNeeded = ceilTo(retransmitNeeded * (corosyncDefaults.retransmitsBeforeLoss + 0.2), 100);
  reasoning.push(
    `Corosync retransmits a token every (token ÷ ${corosyncDefaults.retransmitsBeforeLoss + 0.2}) ms and declares it lost after ${corosyncDefaults.retransmitsBeforeLoss} tries; a retransmit should wait for two rotations (${fmt(retransmitNeeded)} ms), so the token must be at least ${tokenNeeded} ms.`,
  );
  const token = Math.max(corosyncDefaults.tokenMs, tokenNeeded);
  const tuned: TotemTuning['totem'] = {};
  if (token > corosyncDefaults.tokenMs) {
    tuned.token = token;
    reasoning.push(`That is above corosync's default ${corosyncDefaults.tokenMs} ms, so token: ${token}.`);
  } else {
    reasoning.push(`Corosync's default token of ${corosyncDefaults.tokenMs} ms already covers it.`);
  }
  const effective = effectiveToken(token, tokenCoefficientMs, nodes);
  if (nodes > 2) reasoning.push(`With ${nodes} nodes corosync adds ${nodes - 2} × token_coefficient (${tokenCoefficientMs} ms): effective token ${effective} ms.`);
  const consensus = Math.ceil(corosyncDefaults.consensusFactor * effective);
  reasoning.push(`consensus = 1.2 × token = ${consensus} ms (corosync derives it; it is written only when the token is).`);
  if (tuned.token !== undefined) tuned.consensus = consensus;
  const join = Math.max(corosyncDefaults.joinMs, ceilTo(2 * worstRtt, 10));
  if (join > corosyncDefaults.joinMs) {
    tuned.join = join;
    reasoning.push(`join (how long a node waits for join messages while the membership forms) must outlast two worst-case round trips: join: ${join} (default ${corosyncDefaults.joinMs} ms).`);
  }
  let verdict: TotemTuning['verdict'];
  if (m.rttMs + 3 * m.jitterMs <= lanRttLimitMs && loss === 0) {
    verdict = 'lan';
    reasoning.push(`The link is within Proxmox's ${lanRttLimitMs} ms limit: no tuning needed.`);
  } else if (rotation > separateClusterLimits.rotationMs || lossClearlyAbove(loss, separateClusterLimits.lossPct, m.probes)) {
    verdict = 'separate-clusters';
    reasoning.push(
      rotation > separateClusterLimits.rotationMs
        ? `A rotation of ${fmt(rotation)} ms exceeds ${separateClusterLimits.rotationMs} ms. pmxcfs orders every /etc/pve write through totem and a cluster lock needs several writes, so locks and HA would stall for seconds; corosync would also need a token of ${token} ms, making failures slow to detect.`
        : `A loss of ${fmt(loss)} %${m.probes !== undefined ? ` (${probesLost(loss, m.probes)})` : ''} exceeds ${separateClusterLimits.lossPct} %: lost tokens and retransmits would keep the membership re-forming.`,
      'Recommendation: run one cluster per site and move VMs between them with cross-cluster migration (qm remote-migrate, as Proxmox Datacenter Manager does).',
    );
  } else {
    if (loss > separateClusterLimits.lossPct) {
      reasoning.push(
        `The sample lost ${fmt(loss)} % (${probesLost(loss, m.probes)}), too few probes to tell it from a link under ${separateClusterLimits.lossPct} %: measure longer (more probes) before relying on this link; above ${separateClusterLimits.lossPct} % lost tokens keep the membership re-forming.`,
      );
    }
    verdict = 'wan-tuned';
    reasoning.push('Outside what Proxmox supports (5 ms) but within what corosync holds with these timeouts: acceptable when you accept slower failover.');
  }
  return {
    verdict,
    totem: verdict === 'lan' ? {} : tuned,
    effectiveTokenMs: effective,
    consensusMs: consensus,
    failoverDetectionMs: effective + consensus,
    worstRttMs: worstRtt,
    rotationMs: rotation,
    reasoning,
  };
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
