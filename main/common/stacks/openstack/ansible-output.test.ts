// Reading kolla-ansible's (Ansible's) output as it streams: plays and their figures, the recap, and the first
// failed task's message for the step's error.
import { describe, expect, it } from 'vitest';
import { AnsibleOutputReader, describeFailure, describePlay, failureMessage, type AnsibleEvent } from './ansible-output.js';

const run = `deploy : ansible-playbook -i /etc/kolla/multinode site.yml

PLAY [Gather facts for all hosts] *********************************************

TASK [Gather facts] ***********************************************************
ok: [ctl1]
ok: [cmp1]

PLAY [Apply role keystone] ****************************************************

TASK [keystone : Ensuring config directories exist] ***************************
changed: [ctl1] => (item=keystone)
skipping: [cmp1]

TASK [keystone : Copying over keystone.conf] **********************************
fatal: [ctl1]: FAILED! => {"changed": false, "msg": "AnsibleUndefinedVariable: 'keystone_x' is undefined"}

RUNNING HANDLER [keystone : Restart keystone container] ***********************

PLAY RECAP ********************************************************************
ctl1                       : ok=2    changed=1    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0
cmp1                       : ok=1    changed=0    unreachable=0    failed=0    skipped=1    rescued=0    ignored=0
`;

/** Feeds text in chunks of `size` characters, splitting lines anywhere. */
function feed(reader: AnsibleOutputReader, text: string, size: number): AnsibleEvent[] {
  const events: AnsibleEvent[] = [];
  for (let i = 0; i < text.length; i += size) events.push(...reader.push(text.slice(i, i + size)));
  events.push(...reader.end());
  return events;
}

describe("Ansible's output, read as it streams", () => {
  it('counts plays, tasks and results, whatever the chunks, and reads the recap', () => {
    for (const size of [1, 7, 64, 100_000]) {
      const reader = new AnsibleOutputReader();
      const events = feed(reader, run, size);
      expect(reader.plays.map((p) => [p.index, p.name, p.tasks, p.ok, p.changed, p.failed, p.skipped])).toEqual([
        [1, 'Gather facts for all hosts', 1, 2, 0, 0, 0],
        [2, 'Apply role keystone', 3, 0, 1, 1, 1],
      ]);
      expect(events.filter((e) => e.kind === 'play-start').length).toBe(2);
      expect(events.filter((e) => e.kind === 'play-end').map((e) => (e.kind === 'play-end' ? e.play.index : 0))).toEqual([1, 2]);
      expect(reader.recap).toEqual([
        { host: 'ctl1', ok: 2, changed: 1, unreachable: 0, failed: 1, skipped: 0, rescued: 0, ignored: 0 },
        { host: 'cmp1', ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 1, rescued: 0, ignored: 0 },
      ]);
    }
  });

  it("names the failed task, its play, its host and its msg", () => {
    const reader = new AnsibleOutputReader();
    feed(reader, run, 13);
    expect(reader.failures).toEqual([{ play: 'Apply role keystone', task: 'keystone : Copying over keystone.conf', host: 'ctl1', kind: 'FAILED', message: "AnsibleUndefinedVariable: 'keystone_x' is undefined" }]);
    expect(describeFailure(reader.failures[0]!)).toBe(`task "keystone : Copying over keystone.conf" of play "Apply role keystone" failed on ctl1: AnsibleUndefinedVariable: 'keystone_x' is undefined`);
    expect(describePlay(reader.plays[1]!)).toBe('play 2 (Apply role keystone): 3 tasks, 0 ok, 1 changed, 1 failed, 1 skipped');
  });

  it('reads a result printed over several lines, an unreachable host, a failed loop item, and ignores ignored failures', () => {
    const reader = new AnsibleOutputReader();
    feed(
      reader,
      [
        'PLAY [Apply role prechecks] ***',
        '',
        'TASK [prechecks : Checking free port for Keystone] ***',
        'fatal: [ctl1]: FAILED! => {"changed": false, "msg": "ignored"} ...ignoring',
        'fatal: [ctl2]: FAILED! => {',
        '    "changed": false,',
        '    "msg": "Timeout when waiting for 10.0.0.12:5000 to stop."',
        '}',
        '',
        'TASK [prechecks : Checking Docker version] ***',
        'fatal: [cmp9]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh: no route", "unreachable": true}',
        'failed: [cmp1] (item=docker) => {"ansible_loop_var": "item", "item": "docker", "stderr": "docker: not found"}',
        '',
      ].join('\n'),
      5,
    );
    expect(reader.failures.map((f) => [f.host, f.kind, f.task, f.message])).toEqual([
      ['ctl2', 'FAILED', 'prechecks : Checking free port for Keystone', 'Timeout when waiting for 10.0.0.12:5000 to stop.'],
      ['cmp9', 'UNREACHABLE', 'prechecks : Checking Docker version', 'Failed to connect to the host via ssh: no route'],
      ['cmp1', 'FAILED', 'prechecks : Checking Docker version', 'docker: not found'],
    ]);
    expect(describeFailure(reader.failures[1]!)).toContain('could not reach cmp9');
  });

  it('keeps a result that is not JSON as its text, shortened', () => {
    expect(failureMessage(' something odd ')).toBe('something odd');
    expect(failureMessage(`{"msg": ["a", "b"]}`)).toBe('a b');
    expect(failureMessage('x'.repeat(600))).toHaveLength(501);
  });
});
