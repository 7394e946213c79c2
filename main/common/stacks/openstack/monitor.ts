// What the monitor records of an OpenStack region (pure): nova's services (os-services: each binary on each
// host, up or down, enabled or disabled) judged ok / warning / error, and the series openstack-exporter names
// (openstack_nova_agent_state, openstack_identity_up) for the exposition.
import { clipText, type ClusterSample, type ServiceSample } from '../../monitor/model.js';
import type { ExposedSeries } from '../../monitor/prometheus.js';

/** The fields of a nova os-services entry the monitor reads. */
export interface NovaServiceState {
  binary: string;
  host: string;
  status: string;
  state: string;
  forced_down?: boolean;
  disabled_reason?: string | null;
  zone?: string;
}

/** The identity service, as the region samples name it. */
export const KEYSTONE_API = 'keystone';

/**
 * One entry per service: a service down while enabled is an error (nova schedules onto it, or it does not run its
 * part at all); one the admin disabled, up or down, is a warning (deliberate, but capacity or a role is missing).
 */
export function novaServiceSamples(services: readonly NovaServiceState[]): ServiceSample[] {
  return services
    .map((s): ServiceSample => {
      const enabled = s.status !== 'disabled';
      const down = s.state !== 'up' || s.forced_down === true;
      const state = s.forced_down && s.state === 'up' ? 'down' : s.state;
      return {
        kind: clipText(String(s.binary), 100),
        name: clipText(String(s.host)),
        state: clipText(s.forced_down ? `${state} (forced)` : String(state), 100),
        enabled,
        level: down && enabled ? 'error' : down || !enabled ? 'warning' : 'ok',
        ...(s.disabled_reason ? { detail: clipText(String(s.disabled_reason), 500) } : {}),
      };
    })
    .sort((a, b) => (a.kind + a.name < b.kind + b.name ? -1 : 1));
}

/** openstack_nova_agent_state{adminState,disabledReason,hostname,service} (1 up, 0 down) and openstack_identity_up, with a region label. */
export function openstackExposition(c: ClusterSample): ExposedSeries[] {
  const out: ExposedSeries[] = [];
  for (const s of c.services ?? []) {
    if (!s.kind.startsWith('nova-')) continue;
    out.push({
      name: 'openstack_nova_agent_state',
      help: 'State of a nova service (1 up, 0 down), as os-services reports it.',
      labels: { region: c.cluster, service: s.kind, hostname: s.name, adminState: s.enabled === false ? 'disabled' : 'enabled', disabledReason: s.detail ?? '' },
      value: s.state === 'up' ? 1 : 0,
    });
  }
  const keystone = c.apis?.find((a) => a.name === KEYSTONE_API);
  if (keystone) out.push({ name: 'openstack_identity_up', help: 'Whether Keystone issued a token in the last round (1) or not (0).', labels: { region: c.cluster }, value: keystone.reachable ? 1 : 0 });
  return out;
}
