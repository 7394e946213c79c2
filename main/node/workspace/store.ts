// The workspace on disk: the default folder, opening any file or folder, the recent list, atomic
// saves with a .bak, refusal to write anything that fails the schema, and the measured facts beside it
// (only those taken on this estate: see factsForEstate).
import { scorecards } from '../../common/scorecard/scorecard.js';
import type { ScorecardEvidence } from '../../common/scorecard/evidence.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import {
  checkWorkspaceModel,
  countFindings,
  emptyWorkspaceText,
  factsForEstate,
  parseCleanWorkspace,
  parseWorkspace,
  renderWorkspaceEdit,
  rulesFor,
  validateWorkspace,
  WORKSPACE_FILE_NAME,
  type CurrentEstate,
  type Facts,
  type ParsedWorkspace,
  type Workspace,
  type WorkspaceIssue,
} from '../../common/workspace/index.js';
import type { ValidationResult, WorkspaceState } from '../../common/contract/workspace.js';
import { removeStaleTemps, writeFileAtomic } from './atomic-write.js';
import type { StackList } from '../../common/stacks/compose.js';
import { factsPathFor, loadFacts, saveFacts } from './facts-file.js';
import { RecentList } from './recent.js';

export interface WorkspaceStoreOptions {
  workspaceDir: string;
  recentFile: string;
  onChanged?(change: { path: string; revision: string; reason: 'opened' | 'created' | 'saved'; ok: boolean }): void;
  /** How a host key recorded with a measurement compares with what this machine trusts now for a node of this workspace (the core asks the SSH engine). */
  hostKeyCheck?(workspace: Workspace): CurrentEstate['hostKey'];
  /** The stacks whose sections and rules the files may hold (default: the registered ones). */
  stacks?: StackList;
  /** What the scorecard quotes beyond the facts (drill reports, the monitoring history…) for a workspace file. */
  scorecardEvidence?(file: string, workspace: Workspace | undefined): Promise<ScorecardEvidence | undefined> | ScorecardEvidence | undefined;
  /**
   * Reads a file's value without the yaml package when it is written in a plain subset of YAML (exactly what the
   * package reads, or undefined): validating a file by its path then skips the YAML document when the file is
   * clean (parseCleanWorkspace), and reads it in full, with every problem located, otherwise. The CLI's validate
   * gives it (a process that validates one file once).
   */
  readPlain?(text: string): unknown;
}

interface OpenWorkspace {
  path: string;
  text: string;
  revision: string;
  parsed: ParsedWorkspace;
  /** The facts file as stored (every estate's figures in it). */
  storedFacts: Facts;
  /** What belongs to this workspace as it is now: the only facts shown, validated against or exported. */
  facts: Facts;
  factsProblem?: string;
  savedAt?: string;
}

export function revisionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function firstProblems(issues: readonly WorkspaceIssue[], max = 3): string {
  const errors = issues.filter((i) => i.severity === 'error');
  const shown = errors.slice(0, max).map((i) => (i.line ? `line ${i.line}, column ${i.column}: ${i.message}` : i.message));
  return shown.join(' ') + (errors.length > max ? ` (and ${errors.length - max} more)` : '');
}

/** Findings of the rules, and counts of everything found: the file's own problems (schema, references) and the findings. */
export function validationOf(parsed: { workspace?: Workspace; issues: WorkspaceIssue[] }, facts: Facts, stacks?: StackList, evidence?: ScorecardEvidence): ValidationResult {
  const findings = parsed.workspace ? validateWorkspace(parsed.workspace, facts, stacks ? rulesFor(stacks) : undefined) : [];
  const counts = countFindings(findings);
  for (const issue of parsed.issues) counts[issue.severity]++;
  const cards = parsed.workspace ? scorecards(parsed.workspace, facts, new Date(), stacks, evidence) : [];
  return { issues: parsed.issues, findings, counts, ok: !!parsed.workspace && counts.error === 0, scorecards: cards };
}

export class WorkspaceStore {
  private current: OpenWorkspace | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  readonly recent: RecentList;

  constructor(private readonly options: WorkspaceStoreOptions) {
    this.recent = new RecentList(options.recentFile);
  }

  get defaultFile(): string {
    return path.join(this.options.workspaceDir, WORKSPACE_FILE_NAME);
  }

  /** Creates the default workspace folder and an empty workspace file when they do not exist yet. */
  ensureDefault(): string {
    const file = this.defaultFile;
    fs.mkdirSync(this.options.workspaceDir, { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, emptyWorkspaceText(), { flag: 'wx', mode: 0o644 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return file;
  }

  /** Runs one operation at a time, so saves never interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A file, or a folder holding clusterwright.yaml. */
  async resolveTarget(target: string): Promise<{ file: string; exists: boolean }> {
    const absolute = path.resolve(target);
    const stat = await fsp.stat(absolute).catch(() => undefined);
    if (stat?.isDirectory()) {
      const file = path.join(absolute, WORKSPACE_FILE_NAME);
      return { file, exists: fs.existsSync(file) };
    }
    if (stat && !stat.isFile()) throw new CwError('INVALID_INPUT', `${absolute} is neither a workspace file nor a folder.`);
    const looksLikeFolder = !/\.ya?ml$/i.test(absolute);
    // Only YAML files are read, so a path from the UI cannot make the services echo other files.
    if (stat && looksLikeFolder) throw new CwError('INVALID_INPUT', `${absolute} is not a workspace file: workspace files end in .yaml or .yml. Choose the file or the folder that holds ${WORKSPACE_FILE_NAME}.`);
    const file = !stat && looksLikeFolder ? path.join(absolute, WORKSPACE_FILE_NAME) : absolute;
    return { file, exists: !!stat || fs.existsSync(file) };
  }

  /** The stored facts that belong to this workspace as it is now, and why others were set aside. */
  private factsFor(parsed: { workspace?: Workspace | undefined }, stored: Facts, loadProblem?: string): Pick<OpenWorkspace, 'facts' | 'factsProblem'> {
    const problems = loadProblem ? [loadProblem] : [];
    let facts: Facts = {};
    if (parsed.workspace) {
      const workspace = parsed.workspace;
      const hostKey = this.options.hostKeyCheck?.(workspace);
      const checked = factsForEstate(stored, {
        workspace: workspace.name,
        nodes: Object.fromEntries(workspace.nodes.map((n) => [n.name, { addresses: n.addresses }])),
        ...(hostKey ? { hostKey } : {}),
      });
      facts = checked.facts;
      problems.push(...checked.setAside);
    }
    return { facts, ...(problems.length ? { factsProblem: problems.join(' ') } : {}) };
  }

  private async readText(file: string): Promise<string> {
    try {
      return await fsp.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CwError('NOT_FOUND', `There is no workspace file at ${file}. Check the path, or open the folder with "create" to start an empty workspace there.`, { path: file });
      if (code === 'EACCES' || code === 'EPERM') throw new CwError('FORBIDDEN', `${file} cannot be read (permission denied). Fix its permissions and open it again.`, { path: file });
      throw new CwError('REMOTE_FAILED', `Reading ${file} failed: ${(error as Error).message}`, { path: file });
    }
  }

  /** The facts stored beside `file` that belong to the workspace read from it (stale temporary files cleared first). */
  private async factsBeside(file: string, parsed: { workspace?: Workspace | undefined }): Promise<Pick<OpenWorkspace, 'storedFacts' | 'facts' | 'factsProblem'>> {
    await removeStaleTemps(file).catch(() => undefined);
    const { facts: storedFacts, problem } = await loadFacts(file);
    return { storedFacts, ...this.factsFor(parsed, storedFacts, problem) };
  }

  private async load(file: string): Promise<OpenWorkspace> {
    const text = await this.readText(file);
    const parsed = parseWorkspace(text, this.options.stacks ? { stacks: this.options.stacks } : {});
    return { path: file, text, revision: revisionOf(text), parsed, ...(await this.factsBeside(file, parsed)) };
  }

  /** What validating `file` needs of it: the model and its issues (the YAML document only when the file is not plain and clean), and its facts. */
  private async loadForValidation(file: string): Promise<{ parsed: Pick<ParsedWorkspace, 'workspace' | 'issues'>; facts: Facts }> {
    const text = await this.readText(file);
    const options = this.options.stacks ? { stacks: this.options.stacks } : {};
    const plain = this.options.readPlain?.(text);
    const parsed = (plain !== undefined ? parseCleanWorkspace(plain, options) : undefined) ?? parseWorkspace(text, options);
    return { parsed, facts: (await this.factsBeside(file, parsed)).facts };
  }

  state(open: OpenWorkspace): WorkspaceState {
    const result = validationOf(open.parsed, open.facts, this.options.stacks);
    const matrix = open.facts.latency;
    return {
      path: open.path,
      folder: path.dirname(open.path),
      revision: open.revision,
      workspace: open.parsed.workspace ?? null,
      issues: result.issues,
      findings: result.findings,
      counts: result.counts,
      ok: result.ok,
      ...(open.parsed.migratedFrom !== undefined ? { migratedFrom: open.parsed.migratedFrom } : {}),
      ...(open.savedAt ? { savedAt: open.savedAt } : {}),
      latency: {
        file: factsPathFor(open.path),
        pairs: matrix?.samples.length ?? 0,
        ...(matrix ? { measuredAt: matrix.measuredAt, runner: matrix.runner } : {}),
        ...(open.factsProblem ? { problem: open.factsProblem } : {}),
      },
    };
  }

  async open(target: string, options: { create?: boolean; remember?: boolean } = {}): Promise<WorkspaceState> {
    return this.exclusive(async () => {
      const { file, exists } = await this.resolveTarget(target);
      let reason: 'opened' | 'created' = 'opened';
      if (!exists) {
        if (!options.create) throw new CwError('NOT_FOUND', `There is no workspace at ${file}. Check the path, or choose "create" to start an empty workspace there.`, { path: file });
        await fsp.mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, emptyWorkspaceText());
        reason = 'created';
      }
      const open = await this.load(file);
      this.current = open;
      if (options.remember !== false) {
        await this.recent.remember({ path: file, name: open.parsed.workspace?.name ?? path.basename(path.dirname(file)), openedAt: new Date().toISOString() }).catch(() => undefined);
      }
      this.options.onChanged?.({ path: file, revision: open.revision, reason, ok: open.parsed.ok });
      return this.state(open);
    });
  }

  /** The open workspace; the default one (created if needed) when nothing was opened yet. */
  async currentState(): Promise<WorkspaceState> {
    return this.state(await this.ensureOpen());
  }

  async ensureOpen(): Promise<OpenWorkspace> {
    if (this.current) return this.current;
    return this.exclusive(async () => {
      if (!this.current) this.current = await this.load(this.ensureDefault());
      return this.current;
    });
  }

  /**
   * Saves a model into the open workspace file. Refuses (and writes nothing) when the model fails
   * the schema or its references, when the file changed on disk since it was read, or when the
   * file on disk has errors the model would silently replace (unless replaceInvalid).
   */
  async save(next: Workspace, options: { revision?: string; autosave?: boolean; replaceInvalid?: boolean } = {}): Promise<WorkspaceState> {
    await this.ensureOpen();
    return this.exclusive(async () => {
      const open = this.current!;
      const verb = options.autosave ? 'Autosave refused' : 'Not saved';
      const checked = checkWorkspaceModel(next, this.options.stacks);
      const errors = checked.issues.filter((i) => i.severity === 'error');
      if (!checked.workspace || errors.length > 0) {
        throw new CwError('INVALID_INPUT', `${verb}: the workspace has ${errors.length} error${errors.length === 1 ? '' : 's'}; ${open.path} is unchanged. ${errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join(' ')}`, { issues: checked.issues });
      }
      if (options.revision && options.revision !== open.revision) {
        throw new CwError('CONFLICT', `${verb}: the edit was based on an older version of ${open.path}. Reload the workspace and apply the change again.`, { path: open.path });
      }
      const onDisk = await fsp.readFile(open.path, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
      if (onDisk !== undefined && revisionOf(onDisk) !== open.revision) {
        throw new CwError('CONFLICT', `${verb}: ${open.path} was changed by another program since Clusterwright read it. Reopen it to see those changes; nothing was written.`, { path: open.path });
      }
      if (!open.parsed.workspace && onDisk !== undefined && !options.replaceInvalid) {
        throw new CwError('CONFLICT', `${verb}: ${open.path} has errors (${firstProblems(open.parsed.issues)}), so saving would replace text Clusterwright cannot read. Fix the file in an editor, or save with "replace" (the current text is kept as ${path.basename(open.path)}.bak).`, { path: open.path, issues: open.parsed.issues });
      }
      const rendered = renderWorkspaceEdit(open.text, open.parsed.workspace ? open.parsed : undefined, checked.workspace, this.options.stacks ? { stacks: this.options.stacks } : {});
      if (!rendered.parsed.ok || !rendered.parsed.workspace) {
        throw new CwError('INTERNAL', `${verb}: the text written for ${open.path} would not read back cleanly (${firstProblems(rendered.parsed.issues)}). Nothing was written; please report this.`, { issues: rendered.parsed.issues });
      }
      await fsp.mkdir(path.dirname(open.path), { recursive: true });
      try {
        await writeFileAtomic(open.path, rendered.text, { backup: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CwError(code === 'EACCES' || code === 'EPERM' ? 'FORBIDDEN' : 'REMOTE_FAILED', `${verb}: writing ${open.path} failed (${(error as Error).message}); the previous file is intact.`, { path: open.path });
      }
      // An edit may move a node to another address: figures measured at the old one no longer apply.
      const { factsProblem: _previous, ...kept } = open;
      const saved: OpenWorkspace = { ...kept, text: rendered.text, revision: revisionOf(rendered.text), parsed: rendered.parsed, savedAt: new Date().toISOString(), ...this.factsFor(rendered.parsed, open.storedFacts) };
      this.current = saved;
      this.options.onChanged?.({ path: saved.path, revision: saved.revision, reason: 'saved', ok: saved.parsed.ok });
      return this.state(saved);
    });
  }

  /** Validates a model, a file (with the facts beside it), or the open workspace. */
  async validate(input: { workspace?: Workspace; path?: string } = {}): Promise<ValidationResult> {
    if (input.path) {
      const { file, exists } = await this.resolveTarget(input.path);
      if (!exists) throw new CwError('NOT_FOUND', `There is no workspace file at ${file}. Check the path.`, { path: file });
      const loaded = await this.loadForValidation(file);
      return validationOf(loaded.parsed, loaded.facts, this.options.stacks, await this.evidenceFor(file, loaded.parsed.workspace));
    }
    const open = await this.ensureOpen();
    if (input.workspace) {
      const candidate = checkWorkspaceModel(input.workspace, this.options.stacks);
      return validationOf(candidate, this.factsFor(candidate, open.storedFacts).facts, this.options.stacks, await this.evidenceFor(open.path, candidate.workspace));
    }
    return validationOf(open.parsed, open.facts, this.options.stacks, await this.evidenceFor(open.path, open.parsed.workspace));
  }

  /** The scorecard's evidence for a file; a failure to gather it leaves the scorecard without it rather than failing the validation. */
  private async evidenceFor(file: string, workspace: Workspace | undefined): Promise<ScorecardEvidence | undefined> {
    try {
      return (await this.options.scorecardEvidence?.(file, workspace)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async recentEntries(): Promise<{ path: string; name: string; openedAt: string; exists: boolean }[]> {
    return (await this.recent.list()).map((e) => ({ ...e, exists: fs.existsSync(e.path) }));
  }

  /**
   * Stores measured facts beside the workspace and uses them from now on: top-level keys replaced, or
   * a function of the facts that belong to this workspace now (read inside the lock). Figures of
   * another estate in the file are dropped with it.
   */
  async storeFacts(update: Facts | ((current: Facts) => Facts)): Promise<string> {
    const open = await this.ensureOpen();
    return this.exclusive(async () => {
      const latest = this.current?.path === open.path ? this.current : open;
      const facts: Facts = typeof update === 'function' ? update(latest.facts) : { ...latest.facts, ...update };
      const file = await saveFacts(open.path, facts);
      if (this.current === open || this.current?.path === open.path) {
        const { factsProblem: _previous, ...kept } = this.current!;
        this.current = { ...kept, storedFacts: facts, ...this.factsFor(kept.parsed, facts) };
      }
      return file;
    });
  }

  async facts(): Promise<{ facts: Facts; file: string; problem?: string }> {
    const open = await this.ensureOpen();
    return { facts: open.facts, file: factsPathFor(open.path), ...(open.factsProblem ? { problem: open.factsProblem } : {}) };
  }
}
