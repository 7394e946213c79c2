// clusterwright latency <workspace>: measures the latency matrix of a workspace (every node to every
// peer on every network) and stores it beside the file. Exit 0 all reached, 4 a login or host-key
// problem somewhere (as exec), else 3 when some pair could not be measured.
import { parseArgs } from 'node:util';
import { describeLatency, pairFromSample, type LatencySample } from '../../../common/workspace/index.js';
import type { ErrorCode } from '../../../common/errors.js';
import { exitCodeFor, exitCodes, UsageError, type CliCommand } from '../types.js';
import { commandInfo } from './catalogue.js';
import { withCore } from '../with-core.js';

/** 0 when every pair has a figure; 4 when a node refused us (login, host key) anywhere; else 3 (unreachable, timed out, no reply). */
export function latencyExitCode(samples: LatencySample[]): number {
  const missing = samples.filter((s) => s.avgMs === undefined);
  if (missing.length === 0) return exitCodes.ok;
  if (missing.some((s) => s.errorCode && exitCodeFor(s.errorCode as ErrorCode) === exitCodes.auth)) return exitCodes.auth;
  return exitCodes.unreachable;
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} needs a whole number of 1 or more, not "${value}".`);
  return n;
}

function sampleLine(s: LatencySample): string {
  const figure = s.error ? `not measured: ${s.error}` : describeLatency(pairFromSample(s, 'ping'));
  return `  ${s.network.padEnd(12)} ${`${s.from} → ${s.to}`.padEnd(32)} ${figure}`;
}

export const latencyCommand: CliCommand = {
  ...commandInfo.latency,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, network: { type: 'string', multiple: true }, node: { type: 'string', multiple: true }, count: { type: 'string' }, concurrency: { type: 'string' }, 'accept-new': { type: 'boolean' }, local: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('latency needs exactly one workspace file or folder.');
    const count = positiveInt('count', values.count);
    const concurrency = positiveInt('concurrency', values.concurrency);
    // ping runs on the nodes over SSH; no one can answer host-key prompts here, so unknown keys fail
    // unless --accept-new pins them (as OpenSSH's StrictHostKeyChecking=accept-new). --local pings from this machine.
    return withCore({ acceptNew: values['accept-new'], nodeCommands: values.local ? 'local' : 'ssh' }, async (core) => {
      const stop = core.events.subscribe((name, payload) => {
        if (name !== 'latency.progress' || values.json || !io.isTTY) return;
        const p = payload as { done: number; total: number };
        process.stderr.write(`\rMeasured ${p.done} of ${p.total} pairs${p.done === p.total ? '\n' : ''}`);
      });
      try {
        const opened = await core.call('workspace.open', { path: positionals[0]!, remember: false });
        if (!opened.workspace) {
          io.err(`latency: ${opened.path} has errors; run \`clusterwright validate ${positionals[0]}\` and fix them first.`);
          return exitCodes.invalid;
        }
        const result = await core.call('latency.measure', {
          ...(values.network ? { networks: values.network } : {}),
          ...(values.node ? { nodes: values.node } : {}),
          ...(count ? { count } : {}),
          ...(concurrency ? { concurrency } : {}),
        });
        if (values.json) {
          io.out(JSON.stringify(result, null, 2));
        } else {
          if (!result.runsOnNodes) io.out(`Note: ping ran on this machine (--local), not on the nodes: the figures are this machine's view of each peer.`);
          io.out(`Measured ${result.matrix.samples.length} pairs at ${result.matrix.measuredAt} (${result.matrix.count} probes each); saved to ${result.file}`);
          for (const sample of result.matrix.samples) io.out(sampleLine(sample));
        }
        return latencyExitCode(result.matrix.samples);
      } finally {
        stop();
      }
    });
  },
};
