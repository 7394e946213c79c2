// Site-to-site link presets and their translation into wirefilter settings (pure).
// A link is described the way an admin measures it with ping: round-trip delay and jitter, round-trip loss.

export interface LinkParams {
  /** Round-trip time in ms, as ping shows it (the lab's own path is accounted for; lands within ±0.5 ms, see delayPlan). */
  delayMs: number;
  /** ± ms around the round-trip time. */
  jitterMs: number;
  /** Percentage of round trips lost (0–100). */
  lossPercent: number;
  /** Bandwidth per direction in Mbit/s; 0 = unlimited. */
  bandwidthMbit: number;
}

export const presetNames = ['lan', 'man', 'wan', 'internet'] as const;
export type PresetName = (typeof presetNames)[number];

export const presets: Record<PresetName, LinkParams> = {
  lan: { delayMs: 0.2, jitterMs: 0, lossPercent: 0, bandwidthMbit: 0 },
  man: { delayMs: 3.4, jitterMs: 0, lossPercent: 0, bandwidthMbit: 0 },
  wan: { delayMs: 30, jitterMs: 5, lossPercent: 0.5, bandwidthMbit: 100 },
  internet: { delayMs: 80, jitterMs: 20, lossPercent: 1.5, bandwidthMbit: 50 },
};

/** Round-trip time of a lab link with no delay configured: two taps, two vde_switches, one wirefilter, two routers (measured ≈0.2 ms). */
export const basePathRttMs = 0.2;
/** What a delayed link adds beyond its configured delay: the base path plus wirefilter's timer slack (measured ≈0.4 ms). */
export const delayedPathRttMs = 0.4;

/**
 * wirefilter drops the fraction of a one-way delay (it schedules in whole milliseconds). Without
 * jitter the round trip is therefore split into two whole-ms one-way delays (left→right gets the
 * smaller half). With jitter each packet's delay is drawn uniformly from ± half the round-trip jitter
 * and then truncated, which costs 0.5 ms on average per direction; so each one-way value is
 * (RTT − path)/2 + 0.5 ms, fractions allowed (measured: 15.5+2.5 → 30.6 ms; 15+2.5 → 29.7 ms).
 */
export function delayPlan(params: LinkParams): { lr: number; rl: number; jitter: number } {
  const jitter = Math.max(0, params.jitterMs / 2);
  if (params.delayMs < basePathRttMs + 0.5) return { lr: 0, rl: 0, jitter };
  if (jitter > 0) {
    const oneWay = Math.max(0, (params.delayMs - delayedPathRttMs) / 2 + 0.5);
    return { lr: oneWay, rl: oneWay, jitter };
  }
  const total = Math.max(0, Math.round(params.delayMs - delayedPathRttMs));
  const lr = Math.floor(total / 2);
  return { lr, rl: total - lr, jitter };
}

export function isPresetName(value: string): value is PresetName {
  return (presetNames as readonly string[]).includes(value);
}

/** The preset a set of parameters equals, if any (for status output). */
export function presetOf(params: LinkParams): PresetName | undefined {
  return presetNames.find((name) => {
    const p = presets[name];
    return p.delayMs === params.delayMs && p.jitterMs === params.jitterMs && p.lossPercent === params.lossPercent && p.bandwidthMbit === params.bandwidthMbit;
  });
}

/** The commands a wirefilter management socket takes to apply these parameters (both directions). */
export function wirefilterCommands(params: LinkParams, cut = false): string[] {
  const { lr, rl, jitter } = delayPlan(params);
  const oneWay = (ms: number) => (jitter > 0 ? `${fmt(ms)}+${fmt(jitter)}` : fmt(ms));
  // Independent loss per direction p gives round-trip loss 1-(1-p)^2.
  const perDirection = cut || params.lossPercent >= 100 ? 100 : 100 * (1 - Math.sqrt(1 - params.lossPercent / 100));
  const bytesPerSecond = Math.round((params.bandwidthMbit * 1_000_000) / 8);
  return [`delay LR ${oneWay(lr)}`, `delay RL ${oneWay(rl)}`, `loss ${fmt(perDirection)}`, `bandwidth ${bytesPerSecond}`];
}

function fmt(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

export function describeLink(params: LinkParams): string {
  const parts = [`${params.delayMs} ms RTT`];
  if (params.jitterMs) parts.push(`±${params.jitterMs} ms`);
  if (params.lossPercent) parts.push(`${params.lossPercent} % loss`);
  parts.push(params.bandwidthMbit ? `${params.bandwidthMbit} Mbit/s` : 'unlimited');
  return parts.join(', ');
}
