// Picks the transport for each step from the plan: `local: true` nodes run on this machine,
// nodes with an address go over SSH, API targets over HTTP(S).
import { CwError } from '../../common/errors.js';
import type { ApiTarget, NodeTarget, Plan, PlanNode } from '../../common/plan/schema.js';
import { fetchApi } from './local-runner.js';
import type { ApiCallOptions, ExecOptions, StepRunner, UploadOptions } from './runner.js';

export interface RoutingRunnerOptions {
  local: StepRunner;
  /** A runner for nodes reached over SSH; absent where no SSH transport is set up. */
  ssh?: (node: Extract<PlanNode, { address: string }>, name: string) => StepRunner;
  /** API calls; defaults to fetch. */
  api?: StepRunner['api'];
}

export class RoutingRunner implements StepRunner {
  private readonly sshRunners = new Map<string, StepRunner>();

  constructor(
    private readonly plan: Plan,
    private readonly options: RoutingRunnerOptions,
  ) {}

  private forNode(target: NodeTarget): StepRunner {
    const node = this.plan.nodes[target.node];
    if (!node) {
      throw new CwError('INVALID_INPUT', `Plan "${this.plan.id}" does not say how to reach node ${target.node}: add it under nodes (an address, or local: true).`, { notStarted: true });
    }
    if ('local' in node) return this.options.local;
    let runner = this.sshRunners.get(target.node);
    if (!runner) {
      if (!this.options.ssh) throw new CwError('UNSUPPORTED', `Node ${target.node} (${node.address}) needs SSH, which is not set up in this host.`, { notStarted: true });
      runner = this.options.ssh(node, target.node);
      this.sshRunners.set(target.node, runner);
    }
    return runner;
  }

  exec(target: NodeTarget, command: string, options: ExecOptions) {
    return this.forNode(target).exec(target, command, options);
  }

  readFile(target: NodeTarget, path: string, options: { signal: AbortSignal; timeoutMs: number }) {
    return this.forNode(target).readFile(target, path, options);
  }

  upload(target: NodeTarget, path: string, content: string, options: UploadOptions) {
    return this.forNode(target).upload(target, path, content, options);
  }

  api(target: ApiTarget, request: { method: string; path: string; body?: string }, options: ApiCallOptions) {
    return this.options.api ? this.options.api(target, request, options) : fetchApi(target, request, options);
  }
}
