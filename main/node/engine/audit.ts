// The audit log: one redacted JSON line for every remote action (when, where, what, outcome),
// appended across runs in the workspace.
import fs from 'node:fs';
import path from 'node:path';
import type { Redactor } from './render.js';

export interface AuditEntry {
  at: string;
  runId: string;
  stepId: string;
  /** "node pve1" or "API pve-api". */
  target: string;
  /** What the engine asked for: exec, read, upload, api. */
  operation: 'exec' | 'read' | 'upload' | 'api';
  /** Why: precheck, action, verify, wait, preview. */
  purpose: 'precheck' | 'action' | 'verify' | 'wait' | 'preview';
  /** The command line, path or request, secrets as markers. */
  what: string;
  outcome: string;
}

export class AuditLog {
  constructor(
    readonly file: string,
    private readonly redactor: Redactor,
  ) {}

  append(entry: AuditEntry): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    fs.appendFileSync(this.file, this.redactor.redact(JSON.stringify(entry)) + '\n', { mode: 0o600 });
  }
}
