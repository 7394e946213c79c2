// clusterwright validate <workspace>: reads a workspace file and its measurements and prints every
// problem and finding. Exit 0 clean, 1 warnings only, 2 errors (refines the generic codes).
import { parseArgs } from 'node:util';
import { CwError } from '../../../common/errors.js';
import type { ValidationResult } from '../../../common/contract/workspace.js';
import { formatScorecards } from '../../../common/scorecard/scorecard.js';
import { exitCodes, UsageError, type CliCommand } from '../types.js';
import { withCore } from '../with-core.js';

/** 2 for any error, 1 for warnings the admin has not accepted, else 0. */
export function validationExitCode(result: ValidationResult): number {
  if (result.issues.some((i) => i.severity === 'error') || result.findings.some((f) => f.severity === 'error')) return exitCodes.invalid;
  if (result.issues.some((i) => i.severity === 'warning') || result.findings.some((f) => f.severity === 'warning' && !f.accepted)) return 1;
  return exitCodes.ok;
}

export function formatValidation(file: string, result: ValidationResult): string[] {
  const issueErrors = result.issues.filter((i) => i.severity === 'error').length;
  const issueWarnings = result.issues.length - issueErrors;
  const errors = issueErrors + result.counts.error;
  const warnings = issueWarnings + result.counts.warning;
  const lines = [`${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${result.counts.info} note${result.counts.info === 1 ? '' : 's'}`];
  for (const issue of result.issues) {
    lines.push(`  ${issue.severity.padEnd(7)} line ${issue.line ?? '?'}, column ${issue.column ?? '?'}: ${issue.message}${issue.expected && issue.code === 'schema' && !issue.message.includes(issue.expected) ? ` (expected ${issue.expected})` : ''}`);
  }
  for (const finding of result.findings) {
    lines.push(`  ${finding.severity.padEnd(7)} [${finding.ruleId}] ${finding.message}${finding.accepted ? ' (accepted)' : ''}`);
    if (finding.severity !== 'info') {
      lines.push(`          what to do: ${finding.remedy}`);
      lines.push(`          source: ${finding.source.document}${finding.source.section ? ` — ${finding.source.section}` : ''}`);
    }
  }
  lines.push(...formatScorecards(result.scorecards ?? []));
  return lines;
}

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'Check a workspace file: schema, references and the stack rules against the measured latencies. Exit 0 clean, 1 warnings, 2 errors.',
  usage: 'validate <workspace file or folder> [--json]',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw new UsageError('validate needs exactly one workspace file or folder.');
    const target = positionals[0]!;
    let result: ValidationResult;
    try {
      result = await withCore({}, (core) => core.call('workspace.validate', { path: target }));
    } catch (error) {
      // A missing file is a bad argument here: exit 1 means "warnings" for this command.
      if (error instanceof CwError && (error.code === 'NOT_FOUND' || error.code === 'INVALID_INPUT')) {
        io.err(`validate: ${error.message}`);
        return exitCodes.usage;
      }
      throw error;
    }
    if (values.json) io.out(JSON.stringify({ file: target, exitCode: validationExitCode(result), ...result }, null, 2));
    else for (const line of formatValidation(target, result)) io.out(line);
    return validationExitCode(result);
  },
};
