// Sizes as an admin reads them: MiB below 1 GiB, GiB with one decimal from there (512 MiB, 1.5 GiB, 32 GiB).

export function formatMiB(mib: number): string {
  if (!Number.isFinite(mib) || mib < 0) return 'unknown size';
  if (mib < 1024) return `${Math.round(mib)} MiB`;
  const gib = mib / 1024;
  if (gib < 1024) return `${trim(gib)} GiB`;
  return `${trim(gib / 1024)} TiB`;
}

export function formatGiB(gib: number): string {
  return formatMiB(gib * 1024);
}

/** One decimal, without a trailing ".0" (2 GiB, 2.5 GiB). */
function trim(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
}
