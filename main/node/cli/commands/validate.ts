// clusterwright validate <workspace>: reads a workspace file and its measurements and prints every
// problem and finding. Exit 0 clean, 1 warnings only, 2 errors (refines the generic codes).
// It loads the workspace store and the rules only: no core, engine or lab. The SSH service (for the host-key
// comparison of stored measurements) is loaded only when measurements lie beside the file (../lazy/host-key-check.ts,
// a bundle of its own). A file in the plain subset of YAML that has no problem is read with the plain-YAML reader
// (../plain-yaml.ts) instead of building its YAML document.
import '../zod-one-shot.js';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CwError } from '../../../common/errors.js';
import { findingActionLabel } from '../../../common/workspace/rules/actions.js';
import type { ValidationResult } from '../../../common/contract/workspace.js';
import { dataHome, defaultWorkspaceDir } from '../../paths.js';
import { factsPathFor } from '../../workspace/facts-file.js';
import { WorkspaceStore } from '../../workspace/store.js';
import { evidenceFromFiles } from '../../services/scorecard.js';
import { formatScorecards } from '../../../common/scorecard/scorecard.js';
import type { HostKeyCheck } from '../lazy/host-key-check.js';
import { readPlainYaml } from '../plain-yaml.js';
import { exitCodes, UsageError, type CliCommand } from '../types.js';
import { commandInfo } from './catalogue.js';

/** The validation of one workspace file or folder, with the measurements stored beside it. */
export async function validateTarget(target: string): Promise<ValidationResult> {
  let keys: HostKeyCheck | undefined;
  const store = new WorkspaceStore({
    workspaceDir: defaultWorkspaceDir(),
    recentFile: path.join(dataHome(), 'recent-workspaces.json'),
    hostKeyCheck: (workspace) => keys?.check(workspace),
    // The scorecard quotes the drill reports and the monitoring history beside the file (read-only; no cluster API).
    scorecardEvidence: (file, workspace) => evidenceFromFiles(file, workspace),
    // A plain, clean file is checked without building its YAML document (the yaml package's parse is most of a
    // small file's check); any other file is read in full, each problem located.
    readPlain: readPlainYaml,
  });
  try {
    const { file, exists } = await store.resolveTarget(target);
    if (exists && fs.existsSync(factsPathFor(file))) keys = (await import('../lazy/host-key-check.js')).hostKeyCheck();
    return await store.validate({ path: target });
  } finally {
    await keys?.close();
  }
}

/** 2 for any error, 1 for warnings the admin has not accepted, else 0. */
export function validationExitCode(result: ValidationResult): number {
  if (result.issues.some((i) => i.severity === 'error') || result.findings.some((f) => f.severity === 'error')) return exitCodes.invalid;
  if (result.issues.some((i) => i.severity === 'warning') || result.findings.some((f) => f.severity === 'warning' && !f.accepted)) return 1;
  return exitCodes.ok;
}

export function formatValidation(file: string, result: ValidationResult): string[] {
  // counts covers the file's own problems and the findings alike.
  const { error: errors, warning: warnings, info } = result.counts;
  const lines = [`${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${info} note${info === 1 ? '' : 's'}`];
  for (const issue of result.issues) {
    lines.push(`  ${issue.severity.padEnd(7)} line ${issue.line ?? '?'}, column ${issue.column ?? '?'}: ${issue.message}${issue.expected && issue.code === 'schema' && !issue.message.includes(issue.expected) ? ` (expected ${issue.expected})` : ''}`);
  }
  for (const finding of result.findings) {
    lines.push(`  ${finding.severity.padEnd(7)} [${finding.ruleId}] ${finding.message}${finding.accepted ? ' (accepted)' : ''}`);
    if (finding.severity !== 'info') {
      lines.push(`          what to do: ${finding.remedy}${finding.action ? ` (in the app: "${findingActionLabel(finding.action)}")` : ''}`);
      if (finding.paths.length) lines.push(`          in the file: ${finding.paths.join(', ')}`);
      lines.push(`          source: ${finding.source.document}${finding.source.section ? ` — ${finding.source.section}` : ''}${finding.source.url ? ` <${finding.source.url}>` : ''}`);
    }
  }
  lines.push(...formatScorecards(result.scorecards ?? []));
  return lines;
}

export const validateCommand: CliCommand = {
  ...commandInfo.validate,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1 || !positionals[0]) throw new UsageError('validate needs exactly one workspace file or folder.');
    const target = positionals[0]!;
    let result: ValidationResult;
    try {
      result = await validateTarget(target);
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
