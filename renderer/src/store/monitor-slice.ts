// Monitoring as the renderer sees it: the monitor's status, the recent rounds (history on load, then each
// monitor.sampled event), the alerts now, notices for the notifications layer; and the what-if overlay's
// picked failures (the prediction itself is computed from main/common's pure models, never by the services).
import type { MonitorStatus } from '../../../main/common/contract/monitor.js';
import type { MonitorAlert, MonitorSample } from '../../../main/common/monitor/model.js';
import { failureKey, type Failure } from '../../../main/common/whatif/estate.js';
import { describeError } from './describe-error.js';
import type { SliceCreator } from './index.js';

/** Rounds kept for charts and sparklines (a day at 2 min, two hours at 10 s). */
export const ROUNDS_KEPT = 720;

export interface AlertNotice {
  alert: MonitorAlert;
  change: 'raised' | 'cleared';
}

export interface MonitorSlice {
  monitor: MonitorStatus | null;
  monitorError: string | null;
  rounds: MonitorSample[];
  alerts: MonitorAlert[];
  alertNotices: AlertNotice[];
  takeAlertNotices(count: number): void;
  loadMonitor(): Promise<void>;
  startMonitor(intervalS: number): Promise<void>;
  stopMonitor(): Promise<void>;
  whatIfOn: boolean;
  whatIfFailures: Failure[];
  setWhatIf(on: boolean): void;
  toggleFailure(failure: Failure): void;
  clearFailures(): void;
}

export const createMonitorSlice: SliceCreator<MonitorSlice> = (set, get, transport) => {
  transport.on('monitor.sampled', (sample) => {
    const rounds = get().rounds;
    if (rounds.length && rounds[rounds.length - 1]!.t >= sample.t) return;
    set({ rounds: [...rounds, sample].slice(-ROUNDS_KEPT), monitor: get().monitor ? { ...get().monitor!, lastRoundAt: sample.t, rounds: get().monitor!.rounds + 1 } : get().monitor });
  });
  transport.on('monitor.alertRaised', (alert) => {
    set({ alerts: [...get().alerts.filter((a) => a.id !== alert.id), alert], alertNotices: [...get().alertNotices, { alert, change: 'raised' }] });
  });
  transport.on('monitor.alertCleared', (alert) => {
    set({ alerts: get().alerts.filter((a) => a.id !== alert.id), alertNotices: [...get().alertNotices, { alert, change: 'cleared' }] });
  });
  // Another workspace: another history (the store lives beside the workspace file).
  transport.on('workspace.changed', (e) => {
    if (e.reason === 'saved') return;
    set({ rounds: [], alerts: [], whatIfFailures: [] });
    void get().loadMonitor();
  });
  const apply = (status: MonitorStatus) => set({ monitor: status, alerts: status.alerts, monitorError: null });
  return {
    monitor: null,
    monitorError: null,
    rounds: [],
    alerts: [],
    alertNotices: [],
    takeAlertNotices: (count) => set({ alertNotices: get().alertNotices.slice(count) }),
    loadMonitor: async () => {
      try {
        apply(await transport.call('monitor.status', {}));
        const history = await transport.call('monitor.history', { maxRounds: ROUNDS_KEPT });
        const newest = get().rounds[0]?.t ?? Infinity;
        set({ rounds: [...history.rounds.filter((r) => r.t < newest), ...get().rounds].slice(-ROUNDS_KEPT) });
      } catch (error) {
        set({ monitorError: describeError(error) });
      }
    },
    startMonitor: async (intervalS) => {
      try {
        apply(await transport.call('monitor.start', { intervalS }));
      } catch (error) {
        set({ monitorError: describeError(error) });
      }
    },
    stopMonitor: async () => {
      try {
        apply(await transport.call('monitor.stop', {}));
      } catch (error) {
        set({ monitorError: describeError(error) });
      }
    },
    whatIfOn: false,
    whatIfFailures: [],
    setWhatIf: (whatIfOn) => set({ whatIfOn }),
    toggleFailure: (failure) => {
      const key = failureKey(failure);
      const had = get().whatIfFailures.some((f) => failureKey(f) === key);
      set({ whatIfFailures: had ? get().whatIfFailures.filter((f) => failureKey(f) !== key) : [...get().whatIfFailures, failure] });
    },
    clearFailures: () => set({ whatIfFailures: [] }),
  };
};
