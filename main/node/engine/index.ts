// The plan engine's public face: run, preview, approve and export plans through a StepRunner.
export { PlanEngine, type EngineOptions, type EngineSink, type ResumeOptions, type RunHandle } from './engine.js';
export { previewPlan, type PreviewOptions } from './preview.js';
export { ApprovalStore, destructiveStepIds, unapprovedDestructive, type Approval } from './approvals.js';
export { planHash } from './hash.js';
export { exportShell } from './export-shell.js';
export { exportAnsible } from './export-ansible.js';
export { unifiedDiff } from './diff.js';
export { readJournal, summarizeJournal, type JournalRecord, type RunStatus } from './journal.js';
export { ChainSecretResolver, EnvSecretResolver, Redactor, type SecretResolver } from './render.js';
export type { StepRunner, ExecOptions, ExecResult, RemoteFile, UploadOptions, ApiCallOptions, ApiResponse } from './runner.js';
export { LocalRunner } from './local-runner.js';
export { SshStepRunner } from './ssh-runner.js';
export { LabStepRunner } from './lab-runner.js';
export { RoutingRunner, type RoutingRunnerOptions } from './routing-runner.js';
