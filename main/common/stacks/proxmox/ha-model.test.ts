// The HA model against the scenarios an admin meets: a site cut off, the CRM master's site lost, a blip, a power
// loss, rules and groups that limit where a guest may go, start failures, a two-node cluster, and timings scaled
// down for the lab — with Proxmox's own numbers (10 s rounds, 60 s fence delay and watchdog, 120 s locks).
import { describe, expect, it } from 'vitest';
import { HaModel, proxmoxHaTimings, simulateHa, type HaOutcome, type HaScenario } from './ha-model.js';

const threeSites = (extra: Partial<HaScenario> = {}): HaScenario => ({
  nodes: ['a1', 'b1', 'c1'],
  resources: [
    { sid: 'vm:100', node: 'a1', state: 'started' },
    { sid: 'vm:101', node: 'b1', state: 'started' },
    { sid: 'vm:102', node: 'c1', state: 'started' },
  ],
  until: 600,
  ...extra,
});

const cut = (at: number, isolated: string, others: string[]) => ({ at, partitions: [{ nodes: others }, { nodes: [isolated] }] });
const transitionsOf = (o: HaOutcome, sid: string) => o.transitions.filter((t) => t.sid === sid).map((t) => `${t.at} ${t.from}→${t.to} ${t.node}`);
const eventsOf = (o: HaOutcome, node: string) => o.nodeEvents.filter((e) => e.node === node).map((e) => `${e.at} ${e.event}${e.event === 'node-state' ? ` ${e.detail}` : ''}`);

describe('Proxmox HA model', () => {
  it('uses Proxmox’s timings unless told otherwise', () => {
    expect(proxmoxHaTimings).toMatchObject({ roundS: 10, fenceDelayS: 60, lockTimeoutS: 120, watchdogS: 60 });
  });

  it('a node cut off from the quorate majority fences itself after the watchdog; its guest is recovered on the least loaded node once its lock expired', () => {
    // The CRM master is the first quorate node (a1); cut c1, which is not the master.
    const o = simulateHa(threeSites({ membership: [cut(100, 'c1', ['a1', 'b1'])], resources: [{ sid: 'vm:102', node: 'c1', state: 'started' }, { sid: 'vm:100', node: 'a1', state: 'started' }, { sid: 'vm:101', node: 'a1', state: 'started' }] }));
    expect(eventsOf(o, 'c1')).toEqual(['100 quorum-lost', '110 node-state unknown', '160 self-fenced', '160 node-state fence', '220 fenced', '220 node-state unknown']);
    expect(transitionsOf(o, 'vm:102')).toEqual(['160 started→fence c1', '220 fence→recovery c1', '220 recovery→started b1']);
    // The guest died with the watchdog at 160 and was started on b1 (one service there, a1 has two) at 220.
    expect(o.actions.filter((a) => a.kind !== 'stop')).toEqual([
      { at: 160, kind: 'kill', node: 'c1', sids: ['vm:102'], reason: 'self-fence' },
      { at: 220, kind: 'start', sid: 'vm:102', node: 'b1' },
    ]);
    expect(o.splitBrain).toEqual([]);
    expect(o.final.services.find((s) => s.sid === 'vm:102')).toMatchObject({ state: 'started', node: 'b1', runningOn: ['b1'] });
    // Guests elsewhere are untouched.
    expect(transitionsOf(o, 'vm:100')).toEqual([]);
  });

  it('losing the CRM master’s node adds a lock lifetime: a new master takes over at +120 s and starts its own 60 s fence delay', () => {
    const o = simulateHa(threeSites({ membership: [cut(100, 'a1', ['b1', 'c1'])] }));
    expect(o.nodeEvents.filter((e) => e.event === 'master')).toEqual([{ at: 220, node: 'b1', event: 'master' }]);
    expect(eventsOf(o, 'a1')).toContain('160 self-fenced');
    // b1 and c1 carry one guest each: the tie goes to the first by name.
    expect(transitionsOf(o, 'vm:100')).toEqual(['280 started→fence a1', '280 fence→recovery a1', '280 recovery→started b1']);
    expect(o.splitBrain).toEqual([]);
  });

  it('a blip shorter than the watchdog and the fence delay changes nothing but the quorum readings', () => {
    const o = simulateHa(threeSites({ membership: [cut(100, 'c1', ['a1', 'b1']), { at: 130, partitions: [{ nodes: ['a1', 'b1', 'c1'] }] }] }));
    expect(eventsOf(o, 'c1')).toEqual(['100 quorum-lost', '110 node-state unknown', '130 quorum-regained', '140 node-state online']);
    expect(o.transitions).toEqual([]);
    expect(o.actions).toEqual([]);
  });

  it('a node without HA guests does not fence itself when it loses quorum', () => {
    const o = simulateHa(threeSites({ resources: [{ sid: 'vm:100', node: 'a1', state: 'started' }], membership: [cut(100, 'c1', ['a1', 'b1'])] }));
    expect(eventsOf(o, 'c1')).not.toContain('160 self-fenced');
    expect(o.actions).toEqual([]);
  });

  it('a site that loses power takes its guests with it at once; they are recovered 120 s after its last lock renewal', () => {
    const o = simulateHa(threeSites({ membership: [{ at: 105, partitions: [{ nodes: ['a1', 'b1'] }] }] }));
    expect(o.actions[0]).toEqual({ at: 105, kind: 'kill', node: 'c1', sids: ['vm:102'], reason: 'power-off' });
    expect(transitionsOf(o, 'vm:102')).toEqual(['160 started→fence c1', '220 fence→recovery c1', '220 recovery→started a1']);
  });

  it('recovers to the highest-priority online node of a node-affinity rule, and fails back when that node returns', () => {
    const o = simulateHa(
      threeSites({
        rules: [{ name: 'prefer-c', resources: ['vm:102'], nodes: [{ node: 'c1', priority: 2 }, { node: 'a1', priority: 1 }], strict: false }],
        membership: [cut(100, 'c1', ['a1', 'b1']), { at: 300, partitions: [{ nodes: ['a1', 'b1', 'c1'] }] }],
        timings: { migrateS: 5 },
      }),
    );
    // a1 has the higher priority among the online nodes, though b1 would be as loaded.
    expect(transitionsOf(o, 'vm:102')).toEqual(['160 started→fence c1', '220 fence→recovery c1', '220 recovery→started a1', '310 started→migrate a1', '320 migrate→started c1']);
    expect(o.actions).toContainEqual({ at: 310, kind: 'migrate', sid: 'vm:102', from: 'a1', to: 'c1' });
    expect(o.final.services.find((s) => s.sid === 'vm:102')).toMatchObject({ state: 'started', node: 'c1', runningOn: ['c1'] });
  });

  it('keeps a guest of a strict rule in recovery while none of its nodes is online, and recovers it when one is', () => {
    const o = simulateHa(
      threeSites({
        rules: [{ name: 'only-c', resources: ['vm:102'], nodes: [{ node: 'c1' }], strict: true }],
        membership: [cut(100, 'c1', ['a1', 'b1']), { at: 400, partitions: [{ nodes: ['a1', 'b1', 'c1'] }] }],
      }),
    );
    expect(transitionsOf(o, 'vm:102')).toEqual(['160 started→fence c1', '220 fence→recovery c1', '410 recovery→started c1']);
    expect(o.actions.filter((a) => a.kind === 'start')).toEqual([{ at: 410, kind: 'start', sid: 'vm:102', node: 'c1' }]);
  });

  it('treats an HA group (Proxmox VE 8) like a rule: restricted is strict, nofailback keeps the guest where it was recovered', () => {
    const o = simulateHa(
      threeSites({
        resources: [{ sid: 'vm:102', node: 'c1', state: 'started', group: 'cb' }],
        groups: [{ name: 'cb', nodes: [{ node: 'c1', priority: 2 }, { node: 'b1', priority: 1 }], restricted: true, nofailback: true }],
        membership: [cut(100, 'c1', ['a1', 'b1']), { at: 300, partitions: [{ nodes: ['a1', 'b1', 'c1'] }] }],
      }),
    );
    expect(transitionsOf(o, 'vm:102')).toEqual(['160 started→fence c1', '220 fence→recovery c1', '220 recovery→started b1']);
    expect(o.final.services[0]).toMatchObject({ node: 'b1', runningOn: ['b1'] });
  });

  it('retries a start that fails, relocates it, and puts the service in error when no node can run it', () => {
    const o = simulateHa(threeSites({ membership: [cut(100, 'c1', ['a1', 'b1'])], startFailures: [{ sid: 'vm:102', node: 'a1' }, { sid: 'vm:102', node: 'b1' }] }));
    const states = transitionsOf(o, 'vm:102');
    expect(states.slice(0, 3)).toEqual(['160 started→fence c1', '220 fence→recovery c1', '220 recovery→started a1']);
    expect(states.slice(3)).toEqual(['240 started→relocate a1', '250 relocate→started b1', '270 started→error b1']);
    expect(o.final.services.find((s) => s.sid === 'vm:102')).toMatchObject({ state: 'error', runningOn: [] });
  });

  it('a two-node cluster split in halves has no quorum anywhere: both nodes fence themselves and nothing is recovered', () => {
    const o = simulateHa({ nodes: ['a1', 'b1'], resources: [{ sid: 'vm:100', node: 'a1', state: 'started' }, { sid: 'vm:101', node: 'b1', state: 'started' }], membership: [{ at: 100, partitions: [{ nodes: ['a1'] }, { nodes: ['b1'] }] }], until: 600 });
    expect(o.actions.filter((a) => a.kind === 'kill').map((a) => a.node).sort()).toEqual(['a1', 'b1']);
    expect(o.actions.filter((a) => a.kind === 'start')).toEqual([]);
    expect(o.final.services.every((s) => s.runningOn.length === 0)).toBe(true);
    // With a QDevice vote the side that keeps it stays quorate and recovers the other side's guest.
    const q = simulateHa({ nodes: ['a1', 'b1'], resources: [{ sid: 'vm:100', node: 'a1', state: 'started' }, { sid: 'vm:101', node: 'b1', state: 'started' }], membership: [{ at: 100, partitions: [{ nodes: ['a1'], quorate: true }, { nodes: ['b1'], quorate: false }] }], until: 600 });
    expect(transitionsOf(q, 'vm:101')).toEqual(['160 started→fence b1', '220 fence→recovery b1', '220 recovery→started a1']);
  });

  it('would run a guest twice if the watchdog outlasted the lock — which is why Proxmox’s watchdog (60 s) is shorter than its lock lifetime (120 s)', () => {
    const safe = simulateHa(threeSites({ membership: [cut(100, 'c1', ['a1', 'b1'])] }));
    expect(safe.splitBrain).toEqual([]);
    const unsafe = simulateHa(threeSites({ membership: [cut(100, 'c1', ['a1', 'b1'])], timings: { watchdogS: 200 } }));
    expect(unsafe.splitBrain).toEqual([{ at: 220, sid: 'vm:102', nodes: ['a1', 'c1'] }]);
  });

  it('scales: with the lab’s short timings the same drill takes seconds', () => {
    const lab = { roundS: 0.5, fenceDelayS: 3, lockTimeoutS: 6, watchdogS: 3 };
    const o = simulateHa(threeSites({ membership: [cut(5, 'c1', ['a1', 'b1'])], timings: lab, until: 30 }));
    expect(transitionsOf(o, 'vm:102')).toEqual(['8 started→fence c1', '11 fence→recovery c1', '11 recovery→started a1']);
    expect(o.actions.find((a) => a.kind === 'kill')).toMatchObject({ at: 8, node: 'c1' });
  });

  it('moves a guest on an admin’s request and, with the LRM outside the model, only when the caller reports it done', () => {
    const model = new HaModel({ nodes: ['a1', 'b1', 'c1'], resources: [{ sid: 'vm:100', node: 'a1', state: 'started' }], externalLrm: true });
    expect(model.snapshot().services[0]).toMatchObject({ state: 'started', node: 'a1', runningOn: ['a1'] });
    const asked = model.requestMigrate(15, 'vm:100', 'b1');
    expect(asked.transitions).toEqual([]);
    const round = model.advance(20);
    expect(round.transitions).toEqual([{ at: 20, sid: 'vm:100', from: 'started', to: 'migrate', node: 'a1', target: 'b1', reason: "migrate to node 'b1' (requested)" }]);
    expect(round.actions).toEqual([{ at: 20, kind: 'migrate', sid: 'vm:100', from: 'a1', to: 'b1' }]);
    // The real migration takes as long as it takes; the service stays in migrate until it is reported.
    expect(model.advance(60).transitions).toEqual([]);
    expect(model.snapshot().services[0]).toMatchObject({ state: 'migrate', runningOn: ['a1'] });
    model.lrmDone(63, 'vm:100', true);
    expect(model.advance(70).transitions).toEqual([{ at: 70, sid: 'vm:100', from: 'migrate', to: 'started', node: 'b1', reason: "migrate to 'b1' finished" }]);
    expect(model.snapshot().services[0]).toMatchObject({ state: 'started', node: 'b1', runningOn: ['b1'] });
    expect(() => model.advance(10)).toThrow(/cannot go back/);
  });

  it('refuses a cluster description that names unknown nodes', () => {
    expect(() => new HaModel({ nodes: ['a1'], resources: [{ sid: 'vm:100', node: 'x9', state: 'started' }] })).toThrow(/not a cluster node/);
    expect(() => simulateHa({ nodes: ['a1', 'b1'], resources: [], membership: [{ at: 0, partitions: [{ nodes: ['a1'] }, { nodes: ['a1', 'b1'] }] }], until: 10 })).toThrow(/two partitions/);
  });
});
