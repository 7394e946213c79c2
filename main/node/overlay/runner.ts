// The overlay's read-only probes run through the same transport as its plans: a RemoteRunner (argv in,
// exit code and output out) over a plan StepRunner, each argument quoted by the one quoting function.
import { CwError } from '../../common/errors.js';
import type { StepRunner } from '../engine/runner.js';
import { shellCommand } from '../ssh/shell-quote.js';
import type { RemoteRunner, RunOptions, RunResult } from '../workspace/runner.js';

export class StepRemoteRunner implements RemoteRunner {
  readonly kind: string;
  readonly runsOnNodes = true;

  constructor(
    private readonly runner: StepRunner,
    kind = 'ssh',
  ) {
    this.kind = kind;
  }

  async exec(node: string, argv: readonly string[], options: RunOptions): Promise<RunResult> {
    if (argv.length === 0) throw new CwError('INVALID_INPUT', 'No command to run.');
    const controller = new AbortController();
    const abort = () => controller.abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      const result = await this.runner.exec({ node }, shellCommand(...argv), { signal: controller.signal, timeoutMs: options.timeoutMs });
      return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }
}
