// Says plainly when the backend connection is lost, instead of leaving a frozen UI.
import { Alert } from '@mantine/core';
import { useAppState } from '../store/context.js';

export function ConnectionBanner() {
  const connection = useAppState((s) => s.connection);
  if (connection !== 'closed') return null;
  return (
    <Alert color="red" title="Disconnected from the Clusterwright backend" m="sm" data-testid="connection-lost">
      The backend process stopped or the connection dropped. Restart Clusterwright (npm start) and open the new URL it prints.
    </Alert>
  );
}
