// The pure half of `npm run bench`'s summary (scripts/bench.mjs): rows from vitest's JSON bench
// report, with targets read from the benchmarks' names, and the summary table.
// A row: { measure, target, figure, met } (met: true, false, or null when there is no target or figure).

/** "(target < 100 ms)", "target ≤ 5 ms", "target >= 0.85" in a name → { op, value, unit }. */
export function parseTarget(name) {
  const m = /target\s*(<=|>=|<|>|≤|≥)\s*([\d.]+)\s*(ms|s|%)?/i.exec(name);
  if (!m) return undefined;
  const op = { '<=': '≤', '>=': '≥' }[m[1]] ?? m[1];
  return { op, value: Number(m[2]), unit: m[3] ?? '' };
}

function met(value, target) {
  switch (target.op) {
    case '<':
      return value < target.value;
    case '≤':
      return value <= target.value;
    case '>':
      return value > target.value;
    default:
      return value >= target.value;
  }
}

const round = (v) => (v >= 100 ? Math.round(v) : v >= 10 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000);

/**
 * A row for every bench() in a vitest JSON report (vitest bench --outputJson): its median in ms,
 * compared with the target its own or its group's name states. A group named "… — skipped: why"
 * gives rows that say so instead of a meaningless figure.
 */
export function rowsFromVitestReport(report) {
  const rows = [];
  for (const file of report?.files ?? []) {
    for (const group of file.groups ?? []) {
      const groupName = String(group.fullName ?? '').split(' > ').slice(1).join(' › ');
      const skipped = /skipped:\s*(.*)$/.exec(groupName);
      for (const b of group.benchmarks ?? []) {
        const measure = `${groupName.replace(/\s*—?\s*skipped:.*$/, '')} › ${b.name}`;
        const target = parseTarget(b.name) ?? parseTarget(groupName);
        const targetText = target ? `${target.op} ${target.value}${target.unit ? ` ${target.unit}` : ''}` : '—';
        if (skipped) {
          rows.push({ measure, target: targetText, figure: `skipped: ${skipped[1]}`, met: null });
          continue;
        }
        const ms = typeof b.median === 'number' ? b.median : b.mean;
        // A time: targets in s are compared in s, in ms in ms; a % target needs a derived row (benchFigure).
        const value = target?.unit === 's' ? ms / 1000 : ms;
        rows.push({
          measure,
          target: targetText,
          figure: `${round(ms)} ms (median of ${b.sampleCount ?? '?'})`,
          met: target && target.unit !== '%' && Number.isFinite(value) ? met(value, target) : null,
        });
      }
    }
  }
  return rows;
}

const verdict = (m) => (m === true ? 'met' : m === false ? 'NOT MET' : '—');

/** The summary table (measure, target, figure, met) and a closing count. */
export function formatSummary(rows, rowsFile) {
  const table = [['measure', 'target', 'figure', 'met'], ...rows.map((r) => [r.measure, r.target, r.figure, verdict(r.met)])];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  const counted = rows.filter((r) => r.met !== null);
  return [
    '',
    'Benchmark summary',
    '',
    line(table[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...table.slice(1).map(line),
    '',
    `${counted.filter((r) => r.met).length} of ${counted.length} targets met; ${rows.length - counted.length} rows without a target or a figure.${rowsFile ? ` Rows: ${rowsFile}` : ''}`,
  ].join('\n');
}
