// clusterwright exec: one command on many workspace nodes in parallel over SSH (the CLI form of
// broadcast), each output line prefixed with its node (or, with --json, each node's output, bounded),
// an exit code per node and one overall.
import '../zod-one-shot.js';
import os from 'node:os';
import path from 'node:path';
import { CwError } from '../../../common/errors.js';
import type { WorkspaceNode } from '../../../common/workspace/index.js';
import { defaultLabStateDir } from '../../lab/paths.js';
import { LabHostKeys } from '../../lab/trusted-host-keys.js';
import { defaultSecretStore } from '../../secrets/index.js';
import { createSshEngine } from '../../ssh/index.js';
import type { SshEngine } from '../../ssh/engine.js';
import { SshConfigFile } from '../../ssh/ssh-config.js';
import { resolveTarget } from '../../ssh/target.js';
import { selectNodes, targetSpecForNode } from '../../ssh/workspace-targets.js';
import { DEFAULT_MAX_OUTPUT_BYTES, parseExecArgs } from '../exec-args.js';
import { firstHops } from '../first-hops.js';
import { exitCodeFor, exitCodes, type CliCommand, type CliIO } from '../types.js';
import { commandInfo } from './catalogue.js';

export interface NodeOutcome {
  node: string;
  exitCode: number | null;
  exitSignal: string | null;
  durationMs: number;
  error?: { code: string; message: string };
  /** With --json: what the command printed, up to the output limit per stream. */
  stdout?: string;
  stderr?: string;
  /** Bytes the command printed in all; more than the text holds when truncated. */
  stdoutBytes?: number;
  stderrBytes?: number;
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
}

export { DEFAULT_MAX_OUTPUT_BYTES };

/** Keeps the first `limit` bytes of a stream (cut at a character boundary) and counts the rest. */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  bytes = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.bytes += chunk.byteLength;
    if (this.kept >= this.limit) return;
    const part = chunk.subarray(0, this.limit - this.kept);
    this.chunks.push(part);
    this.kept += part.byteLength;
  }
  get truncated(): boolean {
    return this.bytes > this.kept;
  }
  text(): string {
    let buffer = Buffer.concat(this.chunks);
    if (this.truncated) {
      // Drop a character cut in half at the limit (UTF-8 continuation bytes are 10xxxxxx).
      let end = buffer.byteLength;
      let back = 0;
      while (back < 3 && end - back - 1 >= 0 && (buffer[end - back - 1]! & 0xc0) === 0x80) back++;
      const lead = buffer[end - back - 1];
      if (lead !== undefined && lead >= 0xc0) {
        const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (back + 1 < need) end -= back + 1;
      }
      buffer = buffer.subarray(0, end);
    }
    return buffer.toString('utf8');
  }
}

/** Splits a byte stream into lines and hands each complete line on; flush() passes the rest. */
class LineSplitter {
  private rest = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: Buffer): void {
    const text = this.rest + chunk.toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }
  flush(): void {
    if (this.rest) this.emit(this.rest);
    this.rest = '';
  }
}

/** 0 when every node exited 0; an auth or unreachable code when a node could not run it; else 1. */
export function overallExitCode(outcomes: NodeOutcome[]): number {
  if (outcomes.every((o) => !o.error && o.exitCode === 0)) return exitCodes.ok;
  const connectionCodes = outcomes.filter((o) => o.error).map((o) => exitCodeFor(o.error!.code as Parameters<typeof exitCodeFor>[0]));
  for (const preferred of [exitCodes.auth, exitCodes.unreachable]) if (connectionCodes.includes(preferred)) return preferred;
  return exitCodes.failed;
}

async function runLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

export interface ExecOnNodesOptions {
  engine: SshEngine;
  config: SshConfigFile | null;
  env: NodeJS.ProcessEnv;
  command: string;
  timeoutMs?: number;
  maxParallel: number;
  onLine?: (node: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** Keep each node's output (at most this many bytes per stream) in its outcome. */
  captureBytes?: number;
  signal?: AbortSignal;
}

/** Runs the command on every node (at most maxParallel at once) and reports each outcome; never throws for one node. */
export async function execOnNodes(workspace: Parameters<typeof targetSpecForNode>[0], nodes: WorkspaceNode[], options: ExecOnNodesOptions): Promise<NodeOutcome[]> {
  const outcomes = new Map<string, NodeOutcome>();
  await runLimited(nodes, options.maxParallel, async (node) => {
    const started = performance.now();
    const out = new LineSplitter((line) => options.onLine?.(node.name, 'stdout', line));
    const err = new LineSplitter((line) => options.onLine?.(node.name, 'stderr', line));
    const captured = options.captureBytes === undefined ? null : { stdout: new BoundedOutput(options.captureBytes), stderr: new BoundedOutput(options.captureBytes) };
    const withOutput = (outcome: NodeOutcome): NodeOutcome =>
      captured
        ? {
            ...outcome,
            stdout: captured.stdout.text(),
            stderr: captured.stderr.text(),
            stdoutBytes: captured.stdout.bytes,
            stderrBytes: captured.stderr.bytes,
            stdoutTruncated: captured.stdout.truncated,
            stderrTruncated: captured.stderr.truncated,
          }
        : outcome;
    try {
      const target = resolveTarget(targetSpecForNode(workspace, node.name), { config: options.config, env: options.env });
      target.destination.label = node.name;
      const result = await options.engine.exec(target, options.command, {
        onStdout: (chunk) => {
          captured?.stdout.push(chunk);
          if (options.onLine) out.push(chunk);
        },
        onStderr: (chunk) => {
          captured?.stderr.push(chunk);
          if (options.onLine) err.push(chunk);
        },
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      outcomes.set(node.name, withOutput({ node: node.name, exitCode: result.exitCode, exitSignal: result.exitSignal, durationMs: result.durationMs }));
    } catch (error) {
      const cw = error instanceof CwError ? error : new CwError('INTERNAL', (error as Error).message);
      outcomes.set(node.name, withOutput({ node: node.name, exitCode: null, exitSignal: null, durationMs: performance.now() - started, error: { code: cw.code, message: cw.message } }));
    } finally {
      out.flush();
      err.flush();
    }
  });
  return nodes.map((n) => outcomes.get(n.name)!);
}

function describeOutcome(outcome: NodeOutcome): string {
  if (outcome.error) return `${outcome.error.code}: ${outcome.error.message}`;
  if (outcome.exitSignal) return `killed by SIG${outcome.exitSignal}`;
  return `exit ${outcome.exitCode}`;
}

export const execCommand: CliCommand = {
  ...commandInfo.exec,
  async run(args: string[], io: CliIO) {
    const { command, workspaceLocation, selector, timeoutSeconds, maxParallel, maxOutput, ...flags } = parseExecArgs(args);
    const home = io.env.HOME ?? os.homedir();
    const config = SshConfigFile.load(path.join(home, '.ssh', 'config'), home);
    // No one can answer prompts here: unknown host keys fail (or are pinned with --accept-new), logins use keys, the agent or stored secrets.
    // A running lab's own hosts are trusted by the keys it generated (only those hosts, only while it runs).
    const engine = createSshEngine({
      secrets: defaultSecretStore('cli', io.env),
      prompter: null,
      acceptNewHostKeys: flags.acceptNew,
      env: io.env,
      scopedHostKeys: [new LabHostKeys(defaultLabStateDir(io.env))],
    });
    // The first connections (TCP only) opened by the CLI's entry before this code loaded, or else now; the whole
    // workspace model loads and reads the file meanwhile. Nothing is sent on them unless the file reads without errors.
    for (const early of io.preconnected ?? []) engine.adoptPreconnected(early);
    let nodes: WorkspaceNode[];
    let workspace: Parameters<typeof targetSpecForNode>[0];
    try {
      if (!io.preconnected) await Promise.all(firstHops(workspaceLocation, selector, maxParallel, config, io.env).map((hop) => engine.preconnect(hop)));
      const { loadWorkspaceFile } = await import('../lazy/workspace-file.js');
      ({ workspace } = loadWorkspaceFile(workspaceLocation));
      nodes = selectNodes(workspace, selector);
    } catch (error) {
      await engine.closeAll();
      throw error;
    }
    const width = Math.max(...nodes.map((n) => n.name.length));
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    try {
      const outcomes = await execOnNodes(workspace, nodes, {
        engine,
        config,
        env: io.env,
        command,
        maxParallel,
        signal: stop.signal,
        ...(timeoutSeconds ? { timeoutMs: timeoutSeconds * 1000 } : {}),
        ...(flags.json ? { captureBytes: maxOutput } : { onLine: (node, stream, line) => (stream === 'stdout' ? io.out : io.err)(`${node.padEnd(width)} | ${line}`) }),
      });
      const code = overallExitCode(outcomes);
      if (flags.json) {
        io.out(JSON.stringify({ command, exitCode: code, nodes: outcomes }, null, 2));
      } else {
        io.err('');
        for (const outcome of outcomes) io.err(`${outcome.node.padEnd(width)}   ${describeOutcome(outcome)} (${Math.round(outcome.durationMs)} ms)`);
        const ok = outcomes.filter((o) => !o.error && o.exitCode === 0).length;
        io.err(`${ok} of ${outcomes.length} node(s) succeeded; exit code ${code}.`);
      }
      return code;
    } finally {
      process.removeListener('SIGINT', onSignal);
      await engine.closeAll();
    }
  },
};
