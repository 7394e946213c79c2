// Reads Ansible's default output as it streams (kolla-ansible prints it): which play and task run now, a
// figure per play (tasks seen, ok / changed / failed results), the recap per host, and the first failed
// task's message (`fatal: [host]: FAILED! => {"msg": …}`) for the step's error. Pure: fed line by line.

export interface AnsiblePlay {
  /** 1-based, in the order the plays ran. */
  index: number;
  name: string;
  tasks: number;
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
}

export interface AnsibleFailure {
  play?: string;
  task?: string;
  host: string;
  /** The result's `msg` (or `stderr`, `reason`), else the text after `=>`. */
  message: string;
  /** FAILED or UNREACHABLE. */
  kind: 'FAILED' | 'UNREACHABLE';
}

export interface AnsibleRecapHost {
  host: string;
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** What a line meant for the progress: a play started or ended, or nothing worth a progress line. */
export type AnsibleEvent = { kind: 'play-start'; play: AnsiblePlay } | { kind: 'play-end'; play: AnsiblePlay } | { kind: 'recap'; hosts: AnsibleRecapHost[] } | { kind: 'failure'; failure: AnsibleFailure };

const headerPattern = /^(PLAY|TASK|RUNNING HANDLER) \[(.*)\] \**\s*$/;
const resultPattern = /^(ok|changed|skipping|fatal|failed):\s*\[([^\]]+)\]/;
const recapPattern = /^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)(?:\s+skipped=(\d+))?(?:\s+rescued=(\d+))?(?:\s+ignored=(\d+))?/;

/** The message of a failed result: `msg`, else `stderr`, else `reason`, else the raw text after "=>". */
export function failureMessage(afterArrow: string): string {
  const text = afterArrow.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      const r = parsed as Record<string, unknown>;
      for (const key of ['msg', 'stderr', 'reason', 'module_stderr']) {
        const value = r[key];
        if (typeof value === 'string' && value.trim()) return value.trim();
        if (Array.isArray(value) && value.length) return value.map(String).join(' ');
      }
    }
  } catch {
    // not one line of JSON (a YAML callback, or the result spans lines): the raw text
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

export class AnsibleOutputReader {
  readonly plays: AnsiblePlay[] = [];
  readonly failures: AnsibleFailure[] = [];
  recap: AnsibleRecapHost[] = [];
  private task: string | undefined;
  private inRecap = false;
  private buffer = '';
  /** A failing result whose JSON continues on the next lines (Ansible pretty-prints with -v or the yaml callback). */
  private pending: { failure: AnsibleFailure; text: string } | undefined;

  /** Feeds a chunk (not necessarily whole lines); returns what the complete lines in it meant. */
  push(chunk: string): AnsibleEvent[] {
    this.buffer += chunk;
    const events: AnsibleEvent[] = [];
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      events.push(...this.line(this.buffer.slice(0, newline).replace(/\r$/, '')));
      this.buffer = this.buffer.slice(newline + 1);
      newline = this.buffer.indexOf('\n');
    }
    return events;
  }

  /** The last partial line, once the output has ended. */
  end(): AnsibleEvent[] {
    const rest = this.buffer;
    this.buffer = '';
    const events = rest ? this.line(rest) : [];
    if (this.pending) events.push(...this.settlePending());
    const current = this.plays.at(-1);
    if (current && !this.inRecap) events.push({ kind: 'play-end', play: current });
    return events;
  }

  get currentPlay(): AnsiblePlay | undefined {
    return this.plays.at(-1);
  }

  get currentTask(): string | undefined {
    return this.task;
  }

  private settlePending(): AnsibleEvent[] {
    const pending = this.pending!;
    this.pending = undefined;
    pending.failure.message = failureMessage(pending.text);
    this.failures.push(pending.failure);
    return [{ kind: 'failure', failure: pending.failure }];
  }

  private line(line: string): AnsibleEvent[] {
    const events: AnsibleEvent[] = [];
    if (this.pending) {
      // The result's JSON goes on until a blank line or the next header.
      if (line.trim() === '' || headerPattern.test(line) || line.startsWith('PLAY RECAP')) events.push(...this.settlePending());
      else {
        this.pending.text += `\n${line}`;
        return events;
      }
    }
    if (line.startsWith('PLAY RECAP')) {
      const current = this.plays.at(-1);
      if (current) events.push({ kind: 'play-end', play: current });
      this.inRecap = true;
      this.task = undefined;
      return events;
    }
    const header = headerPattern.exec(line);
    if (header) {
      this.inRecap = false;
      if (header[1] === 'PLAY') {
        const previous = this.plays.at(-1);
        if (previous) events.push({ kind: 'play-end', play: previous });
        const play: AnsiblePlay = { index: this.plays.length + 1, name: header[2]!, tasks: 0, ok: 0, changed: 0, failed: 0, skipped: 0 };
        this.plays.push(play);
        this.task = undefined;
        events.push({ kind: 'play-start', play });
      } else {
        this.task = header[2]!;
        const play = this.plays.at(-1);
        if (play) play.tasks++;
      }
      return events;
    }
    if (this.inRecap) {
      const r = recapPattern.exec(line.trim());
      if (r) {
        const host: AnsibleRecapHost = { host: r[1]!, ok: +r[2]!, changed: +r[3]!, unreachable: +r[4]!, failed: +r[5]!, skipped: +(r[6] ?? 0), rescued: +(r[7] ?? 0), ignored: +(r[8] ?? 0) };
        this.recap.push(host);
        events.push({ kind: 'recap', hosts: [host] });
      }
      return events;
    }
    const result = resultPattern.exec(line);
    if (result) {
      const play = this.plays.at(-1);
      const kind = result[1]!;
      if (play) {
        if (kind === 'ok') play.ok++;
        else if (kind === 'changed') play.changed++;
        else if (kind === 'skipping') play.skipped++;
        else play.failed++;
      }
      if ((kind === 'fatal' || kind === 'failed') && !/\.\.\.ignoring\s*$/.test(line)) {
        const arrow = line.indexOf('=>');
        const failure: AnsibleFailure = {
          ...(play ? { play: play.name } : {}),
          ...(this.task !== undefined ? { task: this.task } : {}),
          host: result[2]!,
          kind: /UNREACHABLE!/.test(line) ? 'UNREACHABLE' : 'FAILED',
          message: '',
        };
        const after = arrow >= 0 ? line.slice(arrow + 2) : '';
        if (after.trim().startsWith('{') && !looksComplete(after)) this.pending = { failure, text: after };
        else {
          failure.message = failureMessage(after);
          this.failures.push(failure);
          events.push({ kind: 'failure', failure });
        }
      }
    }
    return events;
  }
}

/** Whether the JSON after "=>" closes on this line. */
function looksComplete(text: string): boolean {
  try {
    JSON.parse(text.trim());
    return true;
  } catch {
    return false;
  }
}

/** One progress line for a play: "play 3 (Apply role keystone): 14 tasks, 9 ok, 4 changed, 0 failed". */
export function describePlay(play: AnsiblePlay): string {
  return `play ${play.index} (${play.name}): ${play.tasks} task${play.tasks === 1 ? '' : 's'}, ${play.ok} ok, ${play.changed} changed, ${play.failed} failed${play.skipped ? `, ${play.skipped} skipped` : ''}`;
}

/** The step's error for a failed run: the first failed task, where and what it said. */
export function describeFailure(failure: AnsibleFailure): string {
  return `task "${failure.task ?? '(no task)'}"${failure.play ? ` of play "${failure.play}"` : ''} ${failure.kind === 'UNREACHABLE' ? 'could not reach' : 'failed on'} ${failure.host}: ${failure.message}`;
}
