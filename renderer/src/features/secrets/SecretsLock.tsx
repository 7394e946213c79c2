// The lock in the header: shows whether the secret store is open, and opens the unlock dialog or locks it now.
import { ActionIcon, Menu, Tooltip } from '@mantine/core';
import { IconLock, IconLockOpen } from '@tabler/icons-react';
import { useAppState } from '../../store/context.js';

export function SecretsLock() {
  const status = useAppState((s) => s.secretStatus);
  const requestUnlock = useAppState((s) => s.requestUnlock);
  const lock = useAppState((s) => s.lockSecrets);
  if (!status || !status.lockable) return null;
  const open = status.state === 'unlocked';
  const label = open ? 'Secret store: unlocked' : status.exists ? 'Secret store: locked' : 'Secret store: not created yet';
  if (!open) {
    return (
      <Tooltip label={`${label} — click to unlock`}>
        <ActionIcon variant="subtle" color="gray" size="lg" aria-label={`${label}; unlock`} onClick={() => void requestUnlock(null)} data-testid="secrets-lock" data-state="locked">
          <IconLock size={18} stroke={1.6} />
        </ActionIcon>
      </Tooltip>
    );
  }
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={label}>
          <ActionIcon variant="subtle" color="green" size="lg" aria-label={label} data-testid="secrets-lock" data-state="unlocked">
            <IconLockOpen size={18} stroke={1.6} />
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{status.description}</Menu.Label>
        <Menu.Item leftSection={<IconLock size={14} />} onClick={() => void lock()} data-testid="secrets-lock-now">
          Lock now
        </Menu.Item>
        {status.keychain.remembered && (
          <Menu.Item leftSection={<IconLock size={14} />} onClick={() => void lock({ forget: true })}>
            Lock and forget the passphrase in the {status.keychain.name ?? 'keychain'}
          </Menu.Item>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
