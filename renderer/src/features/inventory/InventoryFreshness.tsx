// How fresh the VMs on the canvas are ("VMs read 12 s ago"); a click reads them again now.
import { Loader, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useAppState } from '../../store/context.js';

/** "just now", "12 s ago", "3 min ago", "2 h ago". */
export function describeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  return `${Math.floor(min / 60)} h ago`;
}

export function InventoryFreshness() {
  const readAt = useAppState((s) => s.inventoryReadAt);
  const problems = useAppState((s) => s.inventoryProblems);
  const failures = useAppState((s) => s.inventoryFailures);
  const load = useAppState((s) => s.loadInventory);
  const clusters = useAppState((s) => s.inventoryClusters);
  const [now, setNow] = useState(() => Date.now());
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  // Only where some stack reports VMs (the last read had a cluster to read).
  if (!clusters) return null;
  const text = readAt ? `VMs read ${describeAge(now - Date.parse(readAt))}` : 'VMs not read yet';
  const tip = `${problems.length ? `Not every cluster answered: ${problems.join('; ')}. ` : ''}Read every 30 s while this window is visible${failures ? ' (less often while a cluster does not answer)' : ''} and after every job. Click to read now.`;
  return (
    <Tooltip label={tip} multiline w={320}>
      <UnstyledButton
        aria-label={`${text}; read the VMs again`}
        onClick={() => {
          setBusy(true);
          void load().finally(() => setBusy(false));
        }}
        data-testid="inventory-freshness"
      >
        <Text size="xs" c={problems.length ? 'orange' : 'dimmed'} span>
          {busy ? <Loader size={10} mr={4} /> : null}
          {text}
        </Text>
      </UnstyledButton>
    </Tooltip>
  );
}
