// clusterwright drill: the failover drill from the command line — the prediction and the plan (default), the
// run with --run (in the lab the cut is destructive: --approve-destructive), and the saved reports (--reports).
import { parseArgs } from 'node:util';
import type { DrillPrediction } from '../../../common/drill/model.js';
import type { JobStepUpdated } from '../../../common/contract/plan.js';
import { CwError } from '../../../common/errors.js';
import { exitCodes, UsageError, type CliCommand, type CliIO } from '../types.js';
import { withCore } from '../with-core.js';
import { exitCodeForRun } from './plan.js';
import { commandInfo } from './catalogue.js';

function printPrediction(io: CliIO, p: DrillPrediction, mode: string): void {
  io.out(`Failover drill: ${p.title} — ${mode === 'lab' ? 'in the lab: the links are cut for real' : 'a checklist: nothing is cut, you pull the cable'}`);
  for (const c of p.clusters) {
    io.out(`${c.stack} cluster ${c.cluster}: ${c.timings}`);
    for (const g of c.groups) io.out(`  ${g.members.join(', ')} (${g.sites.join(', ')}): ${g.keepsQuorum ? 'keeps quorum' : 'loses quorum'}`);
    for (const f of c.selfFence) io.out(`  ${f.node} fences itself after ~${f.afterS} s`);
    for (const s of c.services) io.out(`  ${s.sid} on ${s.from}: ${s.to ? `restarted on ${s.to} after ~${s.backAfterS} s` : (s.note ?? 'stays')}`);
  }
}

export const drillCommand: CliCommand = {
  ...commandInfo.drill,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        site: { type: 'string' },
        link: { type: 'string' },
        run: { type: 'boolean' },
        'approve-destructive': { type: 'boolean' },
        observe: { type: 'string' },
        reports: { type: 'boolean' },
        json: { type: 'boolean' },
        workspace: { type: 'string' },
      },
      strict: true,
    });
    const json = Boolean(values.json);
    if (values.reports) {
      return withCore({ workspace: values.workspace }, async (core) => {
        const { reports } = await core.call('drill.reports', {});
        if (json) io.out(JSON.stringify(reports, null, 2));
        else if (!reports.length) io.out('No drill has been run for this workspace yet.');
        else for (const r of reports) io.out(`${r.date}  ${r.title}  ${r.mode}  ${r.outcome}  ${r.file}`);
        return exitCodes.ok;
      });
    }
    if (Boolean(values.site) === Boolean(values.link)) throw new UsageError('Give either --site SITE or --link A,B.');
    const between = values.link?.split(',').map((s) => s.trim());
    if (between && between.length !== 2) throw new UsageError('--link names two sites: --link a,b.');
    const failure = values.site ? { kind: 'site' as const, site: values.site } : { kind: 'link' as const, between: [between![0]!, between![1]!] as [string, string] };
    const observeSeconds = values.observe !== undefined ? Number(values.observe) : undefined;
    if (observeSeconds !== undefined && !(Number.isInteger(observeSeconds) && observeSeconds >= 5)) throw new UsageError('--observe is a whole number of seconds, at least 5.');
    return withCore({ workspace: values.workspace }, async (core) => {
      const { plan, prediction, mode, destructive } = await core.call('drill.plan', { failure, ...(observeSeconds ? { observeSeconds } : {}) });
      if (!values.run) {
        if (json) io.out(JSON.stringify({ mode, prediction, plan }, null, 2));
        else {
          printPrediction(io, prediction, mode);
          io.out('');
          for (const s of plan.steps) io.out(`● ${s.id} — ${s.title}${s.destructive ? ' DESTRUCTIVE' : ''}`);
          io.out(`\nRun it with \`clusterwright drill ${values.site ? `--site ${values.site}` : `--link ${values.link}`} --run${destructive.length ? ' --approve-destructive' : ''}\`.`);
        }
        return exitCodes.ok;
      }
      if (destructive.length && !values['approve-destructive']) {
        throw new CwError('FORBIDDEN', `This drill cuts ${prediction.title} in the lab (step ${destructive.join(', ')}): add --approve-destructive to run it.`);
      }
      if (!json) printPrediction(io, prediction, mode);
      const approval = destructive.length ? await core.call('plan.approve', { plan, acknowledgeDestructive: destructive }) : undefined;
      const unsubscribe = core.events.subscribe((name, payload) => {
        if (json) return;
        if (name === 'job.log') io.out(`  ${(payload as { stepId: string }).stepId}| ${(payload as { text: string }).text}`);
        if (name === 'job.stepUpdated') {
          const e = payload as JobStepUpdated;
          if (e.state !== 'checking') io.out(`${e.stepId}: ${e.state}${e.message ? ` — ${e.message}` : ''}`);
        }
      });
      try {
        const { result } = await core.call('plan.apply', { plan, ...(approval ? { planHash: approval.planHash } : {}), wait: true });
        if (!result) throw new CwError('INTERNAL', 'The drill ended without a result.');
        if (json) {
          const { reports } = await core.call('drill.reports', {});
          io.out(JSON.stringify({ result, report: reports[0] }, null, 2));
        } else io.out(result.message);
        return exitCodeForRun(result);
      } finally {
        unsubscribe();
      }
    });
  },
};
