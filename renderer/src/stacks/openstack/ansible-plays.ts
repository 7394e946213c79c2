// The plays of a kolla-ansible step, read from the progress lines its executor writes into the step's log
// ("progress: play 2 started (…)", "progress: play 2 (…): 14 tasks, 9 ok, 4 changed, 0 failed"): one bar per play.
import type { JobStep } from '../../store/jobs-slice.js';

export interface PlayProgress {
  index: number;
  name: string;
  done: boolean;
  tasks?: number;
  ok?: number;
  changed?: number;
  failed?: number;
}

const started = /^progress: play (\d+) started \((.*)\)$/;
const ended = /^progress: play (\d+) \((.*)\): (\d+) tasks?, (\d+) ok, (\d+) changed, (\d+) failed/;

export function playsOf(step: JobStep): PlayProgress[] {
  const plays = new Map<number, PlayProgress>();
  for (const line of step.log) {
    if (line.stream !== 'info') continue;
    const s = started.exec(line.text);
    if (s) {
      plays.set(Number(s[1]), { index: Number(s[1]), name: s[2]!, done: false });
      continue;
    }
    const e = ended.exec(line.text);
    if (e) plays.set(Number(e[1]), { index: Number(e[1]), name: e[2]!, done: true, tasks: Number(e[3]), ok: Number(e[4]), changed: Number(e[5]), failed: Number(e[6]) });
  }
  return [...plays.values()].sort((a, b) => a.index - b.index);
}
