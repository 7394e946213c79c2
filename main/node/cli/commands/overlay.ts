// clusterwright overlay list | plan | apply | status: WireGuard overlays between sites, from a workspace
// file. `plan` previews the keys plan (or, with --tunnels, the tunnels plan: path MTU measured, public keys
// read back); `apply` runs both through the engine (journalled, resumable) and reads the tunnels' state.
import { parseArgs } from 'node:util';
import type { JobStepUpdated, RunResult } from '../../../common/contract/plan.js';
import type { OverlaySummary } from '../../../common/contract/overlay.js';
import { CwError, isCwError } from '../../../common/errors.js';
import type { Plan } from '../../../common/plan/schema.js';
import type { Core } from '../../core.js';
import { exitCodeFor, exitCodes, UsageError, type CliCommand, type CliIO } from '../types.js';
import { withCore } from '../with-core.js';
import { commandInfo } from './catalogue.js';
import { cancelOnSignal, exitCodeForRun, followRun, previewExitCode, printPreview } from './plan.js';

const usage = commandInfo.overlay.usage;

function printTunnels(io: CliIO, tunnels: OverlaySummary['tunnels']): void {
  for (const t of tunnels) io.out(`  ${`${t.a} ↔ ${t.b}`.padEnd(28)} ${t.state.padEnd(7)} ${t.label}`);
}

async function runPlan(core: Core, io: CliIO, plan: Plan, json: boolean): Promise<RunResult> {
  const typed = plan;
  if (!json) io.out(`Applying plan ${typed.id} (${typed.steps.length} steps)…`);
  let runId: string | null = null;
  const stopFollowing = followRun(core, io, typed.steps.length, json);
  const unsubscribe = core.events.subscribe((name, payload) => {
    if (name === 'job.stepUpdated') runId ??= (payload as JobStepUpdated).runId;
  });
  const stopSignals = cancelOnSignal(core, () => runId, io);
  try {
    const { result } = await core.call('plan.apply', { plan, wait: true });
    if (!result) throw new CwError('INTERNAL', 'The run ended without a result.');
    return result;
  } finally {
    stopSignals();
    stopFollowing();
    unsubscribe();
  }
}

export const overlayCommand: CliCommand = {
  ...commandInfo.overlay,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, tunnels: { type: 'boolean' }, throughput: { type: 'string' }, workspace: { type: 'string' }, 'accept-new': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    const [verb, file, name] = positionals;
    if (!verb || !['list', 'plan', 'apply', 'status'].includes(verb)) throw new UsageError(`Give what to do: ${usage}`);
    if (!file) throw new UsageError(`overlay ${verb} needs the workspace file or folder.`);
    if (verb !== 'list' && !name) throw new UsageError(`overlay ${verb} needs the overlay's name (see \`clusterwright overlay list ${file}\`).`);
    if (positionals.length > (verb === 'list' ? 2 : 3)) throw new UsageError(`Too many arguments: ${usage}`);
    const throughput = values.throughput === undefined ? undefined : Number(values.throughput);
    if (throughput !== undefined && (!Number.isFinite(throughput) || throughput < 1 || throughput > 30)) throw new UsageError(`--throughput takes seconds from 1 to 30, not "${values.throughput}".`);
    const json = Boolean(values.json);
    return withCore({ workspace: values.workspace, acceptNew: values['accept-new'] }, async (core) => {
      try {
        const opened = await core.call('workspace.open', { path: file, remember: false });
        if (!opened.workspace) {
          io.err(`overlay: ${opened.path} has errors; run \`clusterwright validate ${file}\` and fix them first.`);
          return exitCodes.invalid;
        }
        if (verb === 'list') {
          const { overlays } = await core.call('overlay.list', {});
          if (json) io.out(JSON.stringify(overlays, null, 2));
          else if (overlays.length === 0) io.out(`${opened.path} has no overlays.`);
          for (const o of json ? [] : overlays) {
            io.out(`${o.name}: WireGuard ${o.topology} on ${o.interface}, ${o.members.length} members${o.mtu ? `, MTU ${o.mtu}` : ''}${o.measuredAt ? `, read ${o.measuredAt}` : ''}`);
            for (const m of o.members) io.out(`  ${m.node.padEnd(16)} ${m.site.padEnd(12)} ${m.addresses.join(', ')}${m.endpoint ? ` via ${m.endpoint}` : ''}${m.behindNat ? ' (behind NAT)' : ''}${m.hub ? ' (hub)' : ''}`);
            printTunnels(io, o.tunnels);
            for (const p of o.problems) io.err(`  problem: ${p}`);
          }
          return exitCodes.ok;
        }
        if (verb === 'plan') {
          const planned = await core.call('overlay.plan', { overlay: name!, phase: values.tunnels ? 'tunnels' : 'keys' });
          const preview = await core.call('plan.preview', { plan: planned.plan });
          if (json) io.out(JSON.stringify({ ...planned, preview }, null, 2));
          else {
            for (const note of planned.notes) io.out(note);
            io.out('');
            printPreview(io, preview);
          }
          return previewExitCode(preview);
        }
        if (verb === 'status') {
          const status = await core.call('overlay.status', { overlay: name!, ...(throughput ? { throughputSeconds: throughput } : {}) });
          if (json) io.out(JSON.stringify(status, null, 2));
          else {
            io.out(`Overlay ${name} (${status.facts.interface}), read ${status.facts.measuredAt}:`);
            for (const i of status.facts.interfaces) io.out(`  ${i.node.padEnd(16)} ${i.up ? `up, MTU ${i.mtu ?? '?'}${i.implementation ? `, ${i.implementation}` : ''}` : `not running${i.error ? `: ${i.error}` : ''}`}`);
            printTunnels(io, status.tunnels);
            for (const t of status.facts.throughput) io.out(`  TCP ${t.from} → ${t.to} (${t.seconds} s): under ${t.underlayMbit ?? '–'} Mbit/s, over ${t.overlayMbit ?? '–'} Mbit/s${t.error ? ` (${t.error})` : ''}`);
            io.out(`Stored in ${status.file}.`);
          }
          return status.tunnels.every((t) => t.state === 'up') ? exitCodes.ok : exitCodes.failed;
        }
        // apply: the keys plan, then (public keys read back, path MTU measured) the tunnels plan, then the state.
        const keys = await core.call('overlay.plan', { overlay: name!, phase: 'keys' });
        const keysRun = await runPlan(core, io, keys.plan, json);
        if (keysRun.status !== 'succeeded') {
          if (json) io.out(JSON.stringify({ keys: keysRun }, null, 2));
          else io.err(`${keysRun.message}\nRun ${keysRun.runId}: ${keysRun.status}. Resume with \`clusterwright resume ${keysRun.runId}\` once the cause is fixed.`);
          return exitCodeForRun(keysRun);
        }
        const tunnels = await core.call('overlay.plan', { overlay: name!, phase: 'tunnels' });
        if (!json) for (const note of tunnels.notes) io.out(note);
        const tunnelsRun = await runPlan(core, io, tunnels.plan, json);
        const status = tunnelsRun.status === 'succeeded' ? await core.call('overlay.status', { overlay: name!, ...(throughput ? { throughputSeconds: throughput } : {}) }) : undefined;
        if (json) io.out(JSON.stringify({ keys: keysRun, tunnels: tunnelsRun, mtu: tunnels.mtu, pathMtu: tunnels.pathMtu, ...(status ? { status } : {}) }, null, 2));
        else if (tunnelsRun.status !== 'succeeded') io.err(`${tunnelsRun.message}\nRun ${tunnelsRun.runId}: ${tunnelsRun.status}. Resume with \`clusterwright resume ${tunnelsRun.runId}\` once the cause is fixed.`);
        else {
          io.out(`${tunnelsRun.message} Overlay ${name} runs with MTU ${tunnels.mtu}:`);
          printTunnels(io, status!.tunnels);
        }
        return exitCodeForRun(tunnelsRun);
      } catch (error) {
        if (isCwError(error) && (error.code === 'INVALID_INPUT' || error.code === 'NOT_FOUND')) {
          io.err(`overlay ${verb}: ${error.message}`);
          return error.code === 'INVALID_INPUT' ? exitCodes.invalid : exitCodes.usage;
        }
        if (isCwError(error)) {
          io.err(`overlay ${verb}: ${error.message}`);
          return exitCodeFor(error.code);
        }
        throw error;
      }
    });
  },
};
