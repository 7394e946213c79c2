// Types of scripts/bench-summary.mjs for the TypeScript tests.
export interface BenchSummaryRow {
  measure: string;
  target: string;
  figure: string;
  met: boolean | null;
}
export function parseTarget(name: string): { op: '<' | '≤' | '>' | '≥'; value: number; unit: string } | undefined;
export function rowsFromVitestReport(report: unknown): BenchSummaryRow[];
export function formatSummary(rows: readonly BenchSummaryRow[], rowsFile?: string): string;
