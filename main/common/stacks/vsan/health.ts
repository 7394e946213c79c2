// Reading vSAN's cluster health summary (pure): the stretched cluster group and the tests that are not green.
export type HealthColour = 'green' | 'yellow' | 'red' | 'info' | 'skipped' | 'unknown';

export interface HealthTest {
  id: string;
  name: string;
  health: HealthColour;
}

export interface HealthGroup {
  id: string;
  name: string;
  health: HealthColour;
  tests: HealthTest[];
}

export interface HealthSummary {
  overallHealth: HealthColour;
  groups: HealthGroup[];
}

/** The test or group id without vSAN's `com.vmware.vsan.health.test.` prefix. */
export const shortId = (id: string): string => id.slice(id.lastIndexOf('.') + 1);

export function colour(text: string | undefined): HealthColour {
  return text === 'green' || text === 'yellow' || text === 'red' || text === 'info' || text === 'skipped' ? text : 'unknown';
}

export function stretchedClusterGroup(summary: HealthSummary): HealthGroup | undefined {
  return summary.groups.find((g) => shortId(g.id) === 'stretchedcluster');
}

/** Every test that is yellow or red, as "group: test (colour)". */
export function healthProblems(summary: HealthSummary): string[] {
  return summary.groups.flatMap((g) => g.tests.filter((t) => t.health === 'yellow' || t.health === 'red').map((t) => `${g.name}: ${t.name} (${t.health})`));
}
