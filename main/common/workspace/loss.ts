// Packet loss from a ping sample is a count of a few lost probes, not a rate: one lost probe of 20 reads
// "5 %" on a link that loses 0.5 %. A verdict that refuses a link on its loss weighs the count: the loss is
// "clearly above" a limit only when the lower end of the 95 % Wilson interval for the loss rate is above it.

/** Lower end of the 95 % Wilson score interval for `lossPct` % of `probes` probes lost, in percent. */
export function lossLowerBoundPct(lossPct: number, probes: number): number {
  if (!(probes > 0) || lossPct <= 0) return 0;
  const z = 1.96;
  const p = Math.min(1, lossPct / 100);
  const n = probes;
  const centre = p + (z * z) / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return Math.max(0, (100 * (centre - spread)) / (1 + (z * z) / n));
}

/**
 * Whether a measured loss is above `limitPct` beyond doubt of the sample's size. Without a probe count (an
 * estimate from corosync's own statistics) the figure is taken as it is.
 */
export function lossClearlyAbove(lossPct: number, limitPct: number, probes?: number): boolean {
  if (lossPct <= limitPct) return false;
  return probes === undefined ? true : lossLowerBoundPct(lossPct, probes) > limitPct;
}

/** "1 of 20 probes" for a figure from a sample, "" when the count is not known. */
export function probesLost(lossPct: number, probes?: number): string {
  return probes === undefined ? '' : `${Math.round((lossPct / 100) * probes)} of ${probes} probes`;
}
