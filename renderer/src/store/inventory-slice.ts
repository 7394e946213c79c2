// VMs per node as the stacks report them, for the canvas and the inspector; nothing is invented:
// a stack without a client reports nothing and the canvas shows no VMs for it. Read again on a schedule while
// the window is visible (backing off while a cluster does not answer), after every job, and on inventory.changed —
// which names the clusters a job touched: only those are read again (one read for all of them).
import type { VmRecord } from '../../../main/common/contract/inventory.js';
import type { SliceCreator } from './index.js';
import { describeError } from './describe-error.js';

export const INVENTORY_EVERY_MS = 30_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/** The wait before the next scheduled read: the period, doubled per failed read in a row, at most 5 minutes. */
export function nextInventoryDelay(failures: number, everyMs = INVENTORY_EVERY_MS): number {
  return Math.min(everyMs * 2 ** Math.min(failures, 10), Math.max(MAX_BACKOFF_MS, everyMs));
}

export interface InventorySlice {
  vms: VmRecord[];
  inventoryProblems: string[];
  /** When the VMs were last read (ISO), whether or not every cluster answered; null before the first read. */
  inventoryReadAt: string | null;
  /** Reads in a row that failed or left a cluster unanswered (the schedule backs off by them). */
  inventoryFailures: number;
  /** Whether the last read had any cluster to read (a stack with an inventory in the workspace). */
  inventoryClusters: number;
  /** Reads every cluster's VMs, or only those of `clusters` (their VMs replaced, the others kept). */
  loadInventory(clusters?: { stack: VmRecord['stack']; cluster: string }[]): Promise<void>;
  /** Starts reading the VMs every `everyMs` while `isVisible()`; returns the stop function. */
  startInventoryRefresh(options?: { everyMs?: number; isVisible?: () => boolean }): () => void;
}

export const createInventorySlice: SliceCreator<InventorySlice> = (set, get, transport) => {
  // The clusters named by inventory.changed events arriving together (one move touches one or two): one read for all.
  let changed: { stack: VmRecord['stack']; cluster: string }[] = [];
  let changedTimer: ReturnType<typeof setTimeout> | null = null;
  transport.on('inventory.changed', ({ stack, cluster }) => {
    if (!changed.some((c) => c.stack === stack && c.cluster === cluster)) changed.push({ stack, cluster });
    changedTimer ??= setTimeout(() => {
      const clusters = changed;
      changed = [];
      changedTimer = null;
      void get().loadInventory(clusters);
    }, 50);
  });
  // Every job can change what runs where (a wizard run…): read again when one ends — unless it named the clusters it
  // touched (a VM move), which inventory.changed reads again on their own.
  transport.on('job.finished', (result) => {
    if (!result.touches?.length) void get().loadInventory();
  });
  let reading: Promise<void> | null = null;
  const key = (c: { stack: string; cluster: string }) => `${c.stack}\u0000${c.cluster}`;
  return {
    vms: [],
    inventoryProblems: [],
    inventoryReadAt: null,
    inventoryFailures: 0,
    inventoryClusters: 0,
    loadInventory(clusters) {
      if (clusters?.length) {
        // A partial read runs beside a full one: it replaces only its clusters' VMs.
        return (async () => {
          try {
            const { vms, sources } = await transport.call('inventory.list', { clusters });
            const wanted = new Set(clusters.map(key));
            const problems = sources.filter((s) => !s.ok).map((s) => `${s.stack} ${s.cluster}: ${s.error ?? 'not reachable'}`);
            const keptProblems = get().inventoryProblems.filter((p) => !clusters.some((c) => p.startsWith(`${c.stack} ${c.cluster}:`)));
            const kept = get().vms.filter((v) => !wanted.has(key(v)));
            set({ vms: [...kept, ...vms].sort((a, b) => a.node.localeCompare(b.node) || a.name.localeCompare(b.name)), inventoryProblems: [...keptProblems, ...problems] });
          } catch (error) {
            set({ inventoryProblems: [describeError(error)] });
          }
        })();
      }
      // Reads that overlap (an event during a scheduled read) share one call.
      reading ??= (async () => {
        try {
          const { vms, sources } = await transport.call('inventory.list', {});
          const problems = sources.filter((s) => !s.ok).map((s) => `${s.stack} ${s.cluster}: ${s.error ?? 'not reachable'}`);
          set({ vms, inventoryProblems: problems, inventoryReadAt: new Date().toISOString(), inventoryFailures: problems.length ? get().inventoryFailures + 1 : 0, inventoryClusters: sources.length });
        } catch (error) {
          set({ inventoryProblems: [describeError(error)], inventoryFailures: get().inventoryFailures + 1 });
        } finally {
          reading = null;
        }
      })();
      return reading;
    },
    startInventoryRefresh(options = {}) {
      const everyMs = options.everyMs ?? INVENTORY_EVERY_MS;
      const isVisible = options.isVisible ?? (() => typeof document === 'undefined' || document.visibilityState === 'visible');
      let timer: ReturnType<typeof setTimeout> | null = null;
      let stopped = false;
      const schedule = () => {
        if (stopped) return;
        timer = setTimeout(() => void tick(), nextInventoryDelay(get().inventoryFailures, everyMs));
      };
      const tick = async () => {
        if (isVisible() && get().workspace) await get().loadInventory();
        schedule();
      };
      // Back in view after a while: read now rather than at the next tick.
      const onVisible = () => {
        if (!isVisible() || stopped) return;
        const readAt = get().inventoryReadAt;
        if (!readAt || Date.now() - Date.parse(readAt) >= everyMs) {
          if (timer) clearTimeout(timer);
          void tick();
        }
      };
      if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible);
      schedule();
      return () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisible);
      };
    },
  };
};
