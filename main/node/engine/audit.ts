// The audit log: one redacted JSON line for every remote action of a plan run (when, where, what,
// outcome), and for the admin's own trust decisions outside runs (forgetting a host key), appended
// in the workspace folder.
import fs from 'node:fs';
import path from 'node:path';
import type { Redactor } from './render.js';

export interface AuditEntry {
  at: string;
  /** The plan run and step ("preview" for previews); absent for actions outside plan runs. */
  runId?: string;
  stepId?: string;
  /** "node pve1", "API pve-api", "host 198.18.1.11:22". */
  target: string;
  /** What was done: exec, read, upload, api, a stack's operation (plan runs); approve, forget-host-key (the admin, from the app or the CLI). */
  operation: 'exec' | 'read' | 'upload' | 'api' | 'stack' | 'approve' | 'forget-host-key';
  /** Why: precheck, action, verify, wait, preview (plan runs); admin (asked for by the admin directly). */
  purpose: 'precheck' | 'action' | 'verify' | 'wait' | 'preview' | 'admin';
  /** The command line, path, request or key, secrets as markers. */
  what: string;
  outcome: string;
  /** Where an admin action came from: "cli", "web", "electron". */
  by?: string;
}

/** <workspace>/audit.log: the one audit log of a workspace folder. */
export function auditFilePath(workspaceDir: string): string {
  return path.join(workspaceDir, 'audit.log');
}

export class AuditLog {
  constructor(
    readonly file: string,
    /** Plan runs pass theirs (secrets as markers); entries without secrets need none. */
    private readonly redactor?: Redactor,
  ) {}

  append(entry: AuditEntry): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const line = JSON.stringify(entry);
    fs.appendFileSync(this.file, (this.redactor ? this.redactor.redact(line) : line) + '\n', { mode: 0o600 });
  }
}
