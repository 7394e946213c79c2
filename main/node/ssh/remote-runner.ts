// Runs workspace commands (latency probes, discovery) on the nodes themselves over SSH: the
// RemoteRunner the core hands the workspace services (latency.measure runs ping on the nodes).
import type { Workspace } from '../../common/workspace/index.js';
import type { RemoteRunner, RunOptions, RunResult } from '../workspace/runner.js';
import type { SshEngine } from './engine.js';
import { shellCommand } from './shell-quote.js';
import type { SshTargetSpec } from './target.js';
import type { SshTarget } from './types.js';
import { targetSpecForNode } from './workspace-targets.js';

export class SshRemoteRunner implements RemoteRunner {
  readonly kind = 'ssh';
  readonly runsOnNodes = true;

  constructor(
    private readonly engine: SshEngine,
    private readonly workspace: Workspace,
    private readonly resolve: (spec: SshTargetSpec) => SshTarget,
  ) {}

  async exec(node: string, argv: readonly string[], options: RunOptions): Promise<RunResult> {
    const target = this.resolve(targetSpecForNode(this.workspace, node));
    target.destination.label = node;
    const result = await this.engine.run(target, shellCommand(...argv), { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  /** The host key of the live connection exec used (reused, so nothing new is asked or sent). */
  async hostKeyOf(node: string): Promise<{ type: string; fingerprint: string; endpoint: string }> {
    const target = this.resolve(targetSpecForNode(this.workspace, node));
    const connection = await this.engine.connect(target);
    return { type: connection.hostKey.keyType, fingerprint: connection.hostKey.fingerprint, endpoint: `${target.destination.host}:${target.destination.port}` };
  }
}
