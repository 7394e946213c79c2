// A stack that exists only in the tests: "toy" clusters of workspace nodes with a sync network, one rule, VMs
// kept in memory, and moves its executor runs as plan steps. It is registered only through the public interface
// (createCore({ stacks }) and the common registry's composition functions), never in a registry list.
import * as z from 'zod';
import type { VmRecord } from '../../main/common/contract/inventory.js';
import { defineMethod } from '../../main/common/contract/define.js';
import { defineStack, groupRef, type StackLink } from '../../main/common/stacks/types.js';
import { nameSchema } from '../../main/common/workspace/base.js';
import type { StackModule } from '../../main/node/stacks/types.js';

const toySection = z.strictObject({ clusters: z.array(z.strictObject({ name: nameSchema, nodes: z.array(nameSchema), network: nameSchema })).default([]) });

export const toyStack = defineStack({
  id: 'toy',
  title: 'Toy',
  shortTitle: 'TOY',
  groupKind: 'cluster',
  section: { key: 'toy', schema: toySection },
  networkRoles: { 'toy-sync': 'cluster control' },
  rules: [
    {
      id: 'toy.two-nodes',
      stack: 'toy',
      title: 'A toy cluster has two nodes or more',
      source: { document: 'The toy guide' },
      check: (ctx) =>
        ((ctx.workspace as { toy?: z.output<typeof toySection> }).toy?.clusters ?? [])
          .filter((c) => c.nodes.length < 2)
          .map((c) => ({ severity: 'warning' as const, message: `Toy cluster ${c.name} has one node.`, elements: [groupRef('toy', c.name)], paths: [`toy.clusters`], remedy: 'Add a node.' })),
    },
  ],
  references(ws, check) {
    ws.toy?.clusters.forEach((c, i) => {
      c.nodes.forEach((n, j) => check.node(n, ['toy', 'clusters', i, 'nodes', j], `Toy cluster ${c.name} lists member`));
      check.network(c.network, ['toy', 'clusters', i, 'network'], `Toy cluster ${c.name} syncs on network`);
    });
  },
  groups: (ws) => (ws.toy?.clusters ?? []).map((c, i) => ({ stack: 'toy', kind: 'cluster', name: c.name, path: `toy.clusters[${i}]`, members: c.nodes.map((node) => ({ node, role: 'toy', member: true })) })),
  links: (ws) => (ws.toy?.clusters ?? []).flatMap((c) => c.nodes.slice(1).map((b): StackLink => ({ a: c.nodes[0]!, b, role: 'toy-sync', network: c.network, group: c.name }))),
  contract: { methods: { 'toy.ping': defineMethod(z.object({}).strict(), z.object({ pong: z.boolean() })) }, events: {} },
  migration: {
    choices: z.object({ stack: z.literal('toy'), fast: z.boolean().optional() }).strict(),
    details: z.object({ stack: z.literal('toy'), note: z.string() }),
  },
});

/** The toy module over VMs held in `vms` (id → record); `moves` records what its executor did; `hold` keeps a move's step waiting after the move. */
export function toyModule(vms: Map<string, VmRecord>, moves: string[] = [], options: { hold?: (signal: AbortSignal) => Promise<void> } = {}): StackModule {
  return {
    definition: toyStack,
    create: () => ({
      handlers: { 'toy.ping': () => ({ pong: true }) } as never,
      inventory: {
        clusters: (ws) => ((ws as { toy?: { clusters: { name: string }[] } }).toy?.clusters ?? []).map((c) => c.name),
        list: async (_ws, cluster) => [...vms.values()].filter((v) => v.cluster === cluster),
        find: async (_ws, id) => vms.get(id),
      },
      migration: {
        precheck: async (_ws, vm, targets) => targets.map((node) => ({ node, allowed: node !== 'nowhere', reasons: [], kind: 'live' as const, details: { stack: 'toy' as never, note: `toy move to ${node}` } as never })),
        plan: (_ws, vm, request) => ({
          plan: {
            id: `toy-move-${vm.id.split(':')[2]}`,
            title: `Move ${vm.name} to ${request.target}`,
            steps: [
              // Idempotent through its precheck: a VM already on the target is not moved again (resume).
              { id: 'move', title: `Move ${vm.name}`, target: { node: vm.node }, action: { kind: 'stack', stack: 'toy', op: 'move', args: { vm: vm.id, to: request.target } }, precheck: { kind: 'stack', stack: 'toy', op: 'on', args: { vm: vm.id, node: request.target } } },
              ...(request.deleteSource
                ? [{ id: 'delete-source', title: `Forget the source copy of ${vm.name}`, target: { node: vm.node }, action: { kind: 'stack' as const, stack: 'toy', op: 'forget', args: { vm: vm.id, node: vm.node } }, destructive: true, dependsOn: ['move'] }]
                : []),
            ],
            touches: [{ stack: 'toy', cluster: vm.cluster }],
          },
          summary: (result) => `${vm.name}: ${result.status}`,
        }),
      },
      executor: {
        describe: (call) => `${call.op} ${JSON.stringify(call.args)}`,
        act: async (call, ctx) => {
          const vm = vms.get(String(call.args.vm))!;
          if (call.op === 'forget') {
            moves.push(`forget ${vm.id}@${String(call.args.node)}`);
            ctx.log(`forgot the copy of ${vm.name} on ${String(call.args.node)}`);
            return;
          }
          vms.set(vm.id, { ...vm, node: String(call.args.to) });
          moves.push(`${vm.id}→${String(call.args.to)}`);
          ctx.log(`moved ${vm.name} to ${String(call.args.to)}`);
          // A slow vendor task: the move is done on the stack's side, the step still waits (a crash or cancel here).
          if (options.hold) await options.hold(ctx.signal);
        },
        check: async (call) => vms.get(String(call.args.vm))?.node === call.args.node,
      },
    }),
  };
}
