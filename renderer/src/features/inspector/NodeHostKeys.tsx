// A node's host keys in its inspector: the keys Clusterwright trusts for the host and port the node's SSH
// settings lead to (pinned by the admin, or vouched for by a running lab), with their fingerprints, and
// Forget (after a confirmation) for a pinned one — e.g. after the host was reinstalled. Each forget is
// recorded in the workspace's audit log by the backend.
import { Alert, Button, Code, Group, Modal, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { TrustedHostKey } from '../../../../main/common/contract/ssh.js';
import { useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';

interface Listing {
  keys: TrustedHostKey[];
  host?: string;
  port?: number;
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function NodeHostKeys({ node }: { node: string }) {
  const transport = useTransport();
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<TrustedHostKey | null>(null);
  const [forgetting, setForgetting] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setListing(await transport.call('hostKey.list', { node }));
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  }, [transport, node]);

  useEffect(() => {
    setDone(null);
    void load();
    // A key may be pinned while the inspector is open ("Trust and remember" in a prompt): read again then.
    return transport.on('ssh.promptClosed', () => void load());
  }, [transport, load]);

  const forget = async (key: TrustedHostKey) => {
    setForgetting(true);
    try {
      const result = await transport.call('hostKey.forget', { host: key.host, port: key.port, keyType: key.keyType });
      setDone(`Forgot ${result.keys.map((k) => `${k.keyType} ${k.fingerprint}`).join(', ')}. The next connection asks about the key ${hostPort(key.host, key.port)} presents.`);
      setConfirming(null);
      await load();
    } catch (e) {
      setError(describeError(e));
      setConfirming(null);
    } finally {
      setForgetting(false);
    }
  };

  const where = listing?.host !== undefined && listing.port !== undefined ? hostPort(listing.host, listing.port) : null;
  return (
    <Stack gap={4} data-testid="node-host-keys">
      <Text size="sm" fw={600}>
        Host keys{where ? ` of ${where}` : ''}
      </Text>
      {error && (
        <Text size="xs" c="red">
          {error}
        </Text>
      )}
      {listing && listing.keys.length === 0 && (
        <Text size="xs" c="dimmed">
          None pinned by Clusterwright; the first connection asks about the key the host presents (keys in your known_hosts files count too).
        </Text>
      )}
      {listing?.keys.map((key) => (
        <Group key={`${key.source}-${key.keyType}-${key.fingerprint}`} gap="xs" wrap="nowrap" justify="space-between" data-testid={`host-key-${key.keyType}`}>
          <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
            <Text size="xs">
              {key.keyType} · {key.source === 'lab' ? `${key.lab ?? 'the lab'}, until lab down` : `pinned ${key.pinnedAt?.slice(0, 10) ?? ''}`}
            </Text>
            <Code style={{ overflowWrap: 'anywhere' }} data-testid="host-key-fingerprint">
              {key.fingerprint}
            </Code>
          </Stack>
          {key.source === 'pinned' && (
            <Button size="compact-xs" variant="light" color="red" style={{ flexShrink: 0 }} onClick={() => setConfirming(key)} aria-label={`Forget the ${key.keyType} key of ${hostPort(key.host, key.port)}`} data-testid={`forget-host-key-${key.keyType}`}>
              Forget
            </Button>
          )}
        </Group>
      ))}
      {done && (
        <Alert color="gray" variant="light" p="xs" data-testid="host-key-forgotten">
          <Text size="xs">{done}</Text>
        </Alert>
      )}
      <Modal opened={confirming !== null} onClose={() => setConfirming(null)} title="Forget this host key?" data-testid="forget-host-key-dialog">
        {confirming && (
          <Stack gap="sm">
            <Text size="sm">
              Clusterwright will no longer trust this {confirming.keyType} key of <b>{hostPort(confirming.host, confirming.port)}</b>:
            </Text>
            <Code block>{confirming.fingerprint}</Code>
            <Text size="xs" c="dimmed">
              Do this only when you know why the host's key changed (it was reinstalled, its keys were regenerated). The next connection shows the key the host presents
              for you to check. The forget is recorded in the workspace's audit log.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConfirming(null)} data-autofocus>
                Keep it
              </Button>
              <Button color="red" loading={forgetting} onClick={() => void forget(confirming)} data-testid="forget-host-key-confirm">
                Forget the key
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
