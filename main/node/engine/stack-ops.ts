// The engine's side of stack operations: a plan step `{ kind: 'stack', stack, op, args }` (and a check of
// the same kind) runs through the executor its stack registers. The engine looks executors up by stack
// id and never special-cases a stack; it imports none.
import type { StackCall } from '../../common/plan/schema.js';

export interface StackOpContext {
  signal: AbortSignal;
  timeoutMs: number;
  /** A line for the step's log (the vendor task's log streams through here). */
  log(text: string, stream?: 'stdout' | 'stderr' | 'info'): void;
  runId: string;
  stepId: string;
  /**
   * Runs a program on the step's node (steps targeting a node only) through the plan's runner, each argument
   * quoted by the engine; output streams to the callbacks as it arrives. Resolves with the exit code, however it ended.
   */
  exec?(argv: string[], options?: { onStdout?: (chunk: string) => void; onStderr?: (chunk: string) => void }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/** A command an admin could run on a node to do the same (the shell and Ansible exports use it). */
export interface StackCommand {
  node: string;
  argv: string[];
}

export interface StackExecutor {
  /**
   * Runs the operation. Faults are CwErrors as for any step: UNREACHABLE and TIMEOUT are transient,
   * CANCELLED when the signal aborted (the executor asks the vendor to stop its task first), REMOTE_FAILED
   * when the stack refused or failed.
   */
  act(call: StackCall, context: StackOpContext): Promise<void>;
  /** Whether the condition holds (prechecks, verifies, waits). */
  check(call: StackCall, context: StackOpContext): Promise<boolean>;
  /** One line for previews and the audit log ("POST /nodes/a1/qemu/101/migrate target=a2 online=1"). */
  describe(call: StackCall): string;
  /** The same as a command on a node, for the exports; undefined: the export refuses this operation. */
  command?(call: StackCall): StackCommand | undefined;
}

/** Finds the executor of a stack (the core passes its registry's). */
export type StackExecutors = (stack: string) => StackExecutor | undefined;
