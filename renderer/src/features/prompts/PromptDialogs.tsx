// The dialogs for what the backend asks while connecting: an unknown host key (with its SHA256
// fingerprint, as OpenSSH prints it; a warning when the host already has a key of another type) and
// login prompts. One at a time, oldest first.
import { Alert, Button, Code, Group, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useAppState } from '../../store/context.js';

export function PromptDialogs() {
  const prompt = useAppState((s) => s.prompts[0]);
  const answerHostKey = useAppState((s) => s.answerHostKey);
  const answerAuth = useAppState((s) => s.answerAuth);
  const [answers, setAnswers] = useState<string[]>([]);
  useEffect(() => setAnswers([]), [prompt?.promptId]);
  if (!prompt) return null;

  if (prompt.type === 'hostKey') {
    const where = prompt.position === 'destination' ? 'The host' : `The jump host (${prompt.position})`;
    // Known keys of other types: this host already has a different key. An impostor cannot offer the known key, so it
    // offers another type: say so plainly, and make refusing the obvious choice.
    const otherKeys = prompt.knownKeys ?? [];
    if (otherKeys.length > 0) {
      return (
        <Modal opened onClose={() => void answerHostKey(prompt.promptId, 'reject')} title="This host already has a different key" size="lg" data-testid="hostkey-dialog">
          <Stack gap="sm">
            <Alert color="red" variant="light" title="Warning: the host's identity may have changed" data-testid="hostkey-other-key-warning">
              {where} <b>{prompt.host}</b> port {prompt.port} is already trusted with another key, but it did not offer that key: it offered only a new{' '}
              {prompt.keyType} key. Someone may be intercepting the connection, or the host was reinstalled. Nothing has been sent to it.
            </Alert>
            <Text size="sm">Already trusted for this host:</Text>
            {otherKeys.map((k) => (
              <Code block key={`${k.keyType}-${k.fingerprint}`} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-testid="hostkey-known">
                {`${k.keyType} ${k.fingerprint}\n${k.source}`}
              </Code>
            ))}
            <Text size="sm">Offered now:</Text>
            <Code block data-testid="hostkey-fingerprint">{prompt.fingerprint}</Code>
            <Text size="xs" c="dimmed">
              Accept it only if you know why the host has a new key type, and after comparing it on the host's console with <Code>ssh-keygen -lf</Code> of its public keys in
              /etc/ssh.
            </Text>
            <Group justify="flex-end">
              <Button onClick={() => void answerHostKey(prompt.promptId, 'reject')} data-testid="hostkey-reject" data-autofocus>
                Refuse
              </Button>
              <Button variant="light" color="red" onClick={() => void answerHostKey(prompt.promptId, 'once')}>
                Trust this time
              </Button>
              <Button variant="light" color="red" onClick={() => void answerHostKey(prompt.promptId, 'pin')} data-testid="hostkey-pin">
                Trust and remember
              </Button>
            </Group>
          </Stack>
        </Modal>
      );
    }
    return (
      <Modal opened onClose={() => void answerHostKey(prompt.promptId, 'reject')} title="Unknown host key" size="lg" data-testid="hostkey-dialog">
        <Stack gap="sm">
          <Text size="sm">
            {where} <b>{prompt.host}</b> port {prompt.port} presented a {prompt.keyType} key that neither your known_hosts nor Clusterwright has seen.
          </Text>
          <Code block data-testid="hostkey-fingerprint">{prompt.fingerprint}</Code>
          <Text size="xs" c="dimmed">
            Compare it on the host's console with <Code>ssh-keygen -lf</Code> of its public keys in /etc/ssh before you trust it.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => void answerHostKey(prompt.promptId, 'reject')} data-testid="hostkey-reject">
              Refuse
            </Button>
            <Button variant="light" onClick={() => void answerHostKey(prompt.promptId, 'once')}>
              Trust this time
            </Button>
            <Button onClick={() => void answerHostKey(prompt.promptId, 'pin')} data-testid="hostkey-pin">
              Trust and remember
            </Button>
          </Group>
        </Stack>
      </Modal>
    );
  }

  const title = prompt.kind === 'passphrase' ? 'Key passphrase' : prompt.kind === 'password' ? 'Password' : 'Login question';
  return (
    <Modal opened onClose={() => void answerAuth(prompt.promptId, null)} title={title} data-testid="auth-dialog">
      <Stack gap="sm" component="form" onSubmit={(e) => { e.preventDefault(); void answerAuth(prompt.promptId, prompt.prompts.map((_, i) => answers[i] ?? '')); }}>
        <Text size="sm">
          {prompt.user}@{prompt.host}:{prompt.port}
          {prompt.keyFile ? ` — key ${prompt.keyFile}` : ''}
        </Text>
        {prompt.instructions && <Text size="xs">{prompt.instructions}</Text>}
        {prompt.prompts.map((p, i) => {
          const Input = p.echo ? TextInput : PasswordInput;
          return (
            <Input
              key={i}
              label={p.text}
              autoFocus={i === 0}
              value={answers[i] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setAnswers((a) => {
                  const next = [...a];
                  next[i] = value;
                  return next;
                });
              }}
            />
          );
        })}
        <Text size="xs" c="dimmed">
          Used once for this login; Clusterwright does not store it.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => void answerAuth(prompt.promptId, null)}>
            Cancel
          </Button>
          <Button type="submit">Log in</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
