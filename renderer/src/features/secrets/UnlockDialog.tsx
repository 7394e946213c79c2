// The dialog that unlocks the secret store (or creates it on first use: the passphrase twice, with a strength
// hint), opened by the lock in the header or by a call the locked store refused. The typed passphrase lives in
// this dialog's state only until it is sent, and is cleared when the dialog closes.
import { Alert, Button, Checkbox, Group, Modal, PasswordInput, Progress, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { assessPassphrase } from '../../../../main/common/secrets/passphrase-strength.js';
import { useAppState } from '../../store/context.js';

const strengthColors = { 'too-short': 'red', weak: 'orange', fair: 'yellow', strong: 'green' } as const;

export function UnlockDialog() {
  const prompt = useAppState((s) => s.unlockPrompt);
  const status = useAppState((s) => s.secretStatus);
  const unlock = useAppState((s) => s.unlockSecrets);
  const dismiss = useAppState((s) => s.dismissUnlock);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const opened = prompt !== null;
  useEffect(() => {
    if (opened) return;
    setPassphrase('');
    setConfirm('');
    setError(null);
    setBusy(false);
  }, [opened]);
  if (!opened) return null;
  const creating = status !== null && !status.exists;
  const assessment = assessPassphrase(passphrase);
  const mismatch = creating && confirm.length > 0 && confirm !== passphrase;
  const canSubmit = passphrase.length > 0 && !busy && (!creating || (assessment.acceptable && confirm === passphrase));
  const submit = async () => {
    if (!canSubmit) return;
    setBusy(true);
    setError(null);
    const problem = await unlock(passphrase, { create: creating, remember });
    setBusy(false);
    if (problem) setError(problem);
  };
  return (
    <Modal opened onClose={dismiss} title={creating ? 'Create the secret store' : 'Unlock the secret store'} data-testid="unlock-dialog" closeOnClickOutside={false}>
      <Stack gap="sm" component="form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        {prompt.reason && (
          <Text size="sm" c="dimmed" data-testid="unlock-reason">
            {creating ? 'Something you started needs the secret store, which does not exist yet.' : 'Something you started needs a secret from the store, which is locked.'}
          </Text>
        )}
        <Text size="sm">
          {creating
            ? 'Passwords and API tokens are sealed in a file with a passphrase you choose now. Clusterwright keeps it in memory until you lock the store or stop the app; it is never written down.'
            : 'Type the passphrase you chose when the store was created. It stays in memory until you lock the store or stop the app.'}
        </Text>
        {status && (
          <Text size="xs" c="dimmed" truncate>
            {status.description}
          </Text>
        )}
        <PasswordInput label="Passphrase" value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} autoFocus autoComplete={creating ? 'new-password' : 'current-password'} data-testid="unlock-passphrase" />
        {creating && (
          <>
            <Progress value={(assessment.score / 4) * 100} color={strengthColors[assessment.strength]} size="sm" aria-label="Passphrase strength" />
            <Text size="xs" c={assessment.acceptable ? 'dimmed' : 'red'} data-testid="unlock-strength">
              {passphrase ? assessment.hint : 'Several unrelated words make a passphrase that is easy to type and hard to guess.'}
            </Text>
            <PasswordInput label="The same passphrase again" value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} autoComplete="new-password" error={mismatch ? 'The two entries differ' : undefined} data-testid="unlock-confirm" />
          </>
        )}
        {status?.keychain.available ? (
          <Checkbox label={`Remember it in the ${status.keychain.name ?? 'keychain'} (unlocks by itself next time)`} checked={remember} onChange={(e) => setRemember(e.currentTarget.checked)} data-testid="unlock-remember" />
        ) : (
          status && (
            <Text size="xs" c="dimmed" data-testid="unlock-no-keychain">
              No keychain to remember it in: {status.keychain.reason ?? 'none is reachable'}.
            </Text>
          )
        )}
        {error && (
          <Alert color="red" data-testid="unlock-error">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={dismiss}>
            Cancel
          </Button>
          <Button type="submit" disabled={!canSubmit} loading={busy} data-testid="unlock-submit">
            {creating ? 'Create and unlock' : 'Unlock'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
