// The dialogs for what the backend asks while connecting: an unknown host key (with its SHA256
// fingerprint, as OpenSSH prints it) and login prompts. One at a time, oldest first.
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
    const newType = prompt.knownKeyTypes.length > 0;
    return (
      <Modal opened onClose={() => void answerHostKey(prompt.promptId, 'reject')} title="Unknown host key" size="lg" data-testid="hostkey-dialog">
        <Stack gap="sm">
          <Text size="sm">
            {prompt.position === 'destination' ? 'The host' : `The jump host (${prompt.position})`} <b>{prompt.host}</b> port {prompt.port} presented a {prompt.keyType} key
            that neither your known_hosts nor Clusterwright has seen.
          </Text>
          {newType && (
            <Alert color="blue" variant="light">
              This host is already trusted with {prompt.knownKeyTypes.join(', ')}; this is a new key type, not a changed key.
            </Alert>
          )}
          <Code block data-testid="hostkey-fingerprint">{prompt.fingerprint}</Code>
          <Text size="xs" c="dimmed">
            Compare it on the host's console with <Code>ssh-keygen -lf</Code> of its public keys in /etc/ssh before you trust it.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => void answerHostKey(prompt.promptId, 'reject')}>
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
