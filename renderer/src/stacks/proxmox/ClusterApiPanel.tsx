// The cluster API settings the wizard needs, set from the UI instead of the YAML: the endpoint, its
// certificate (read from the node, shown for the admin to compare, then pinned by fingerprint) and
// root@pam's password (sent once to the secret store; the workspace keeps only its id).
import { Alert, Badge, Button, Code, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { MethodOutput } from '../../../../main/common/contract/index.js';
import type { ProxmoxCluster } from '../../../../main/common/stacks/proxmox/schema.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import { useAppState, useAppStore, useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';

/** The certificate read, with the endpoint it was read from (what gets pinned is that pair, not what is typed later). */
type Certificate = MethodOutput<'proxmox.probeCertificate'> & { endpoint: string };

/** `host`, `host:port` or `[v6]:port` → host and port (8006 by default). */
export function splitEndpoint(text: string): { host: string; port: number } | null {
  const trimmed = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(trimmed);
  const plain = /^([^:\s[\]]+)(?::(\d{1,5}))?$/.exec(trimmed);
  const m = v6 ?? plain;
  if (!m) return null;
  const port = m[2] ? Number(m[2]) : 8006;
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : null;
}

/** The endpoint the wizard proposes: the one in the workspace, else the first member's management address. */
export function defaultEndpoint(workspace: Workspace, cluster: ProxmoxCluster): string {
  if (cluster.api?.endpoint) return cluster.api.endpoint;
  const first = workspace.nodes.find((n) => n.name === cluster.nodes[0]);
  const management = workspace.networks.find((n) => n.roles.includes('management'))?.name;
  const address = (management ? first?.addresses[management] : undefined) ?? (first ? Object.values(first.addresses)[0] : undefined);
  if (!address) return '';
  return address.includes(':') ? `[${address}]:8006` : `${address}:8006`;
}

/** Where a finding's action points in this panel; seq tells two requests for the same field apart. */
export interface ApiFocus {
  field: 'endpoint' | 'password';
  seq: number;
}

export function ClusterApiPanel({ cluster, onEdited, focus = null }: { cluster: ProxmoxCluster; onEdited(): void; focus?: ApiFocus | null }) {
  const transport = useTransport();
  const workspace = useAppState((s) => s.workspace);
  const edit = useAppState((s) => s.edit);
  const saveWorkspace = useAppState((s) => s.saveWorkspace);
  const store = useAppStore();
  const [endpoint, setEndpoint] = useState('');
  const [certificate, setCertificate] = useState<Certificate | null>(null);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const endpointInput = useRef<HTMLInputElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!focus) return;
    const input = focus.field === 'password' ? passwordInput.current : endpointInput.current;
    input?.scrollIntoView({ block: 'center' });
    input?.focus();
  }, [focus?.seq]);

  useEffect(() => {
    if (workspace) setEndpoint(defaultEndpoint(workspace, cluster));
    setCertificate(null);
    setPassword('');
    setError(null);
    // Only when another cluster is chosen: edits to this one keep what the admin typed (workspace is read, not watched).
  }, [cluster.name]);

  const api = cluster.api;
  const parsed = splitEndpoint(endpoint);
  const pinned = api?.fingerprint;

  const updateApi = (change: (api: NonNullable<ProxmoxCluster['api']>) => void, label: string) => {
    const problem = edit((draft) => {
      const target = draft.proxmox?.clusters.find((c) => c.name === cluster.name);
      if (!target) return;
      const next = { user: 'root@pam', ...(target.api ?? {}) } as NonNullable<ProxmoxCluster['api']>;
      change(next);
      target.api = next;
    }, label);
    if (problem) setError(problem);
    else onEdited();
    return !problem;
  };

  const readCertificate = async () => {
    if (!parsed) return;
    setBusy(true);
    setError(null);
    setCertificate(null);
    try {
      const read = await transport.call('proxmox.probeCertificate', { host: parsed.host, port: parsed.port });
      setCertificate({ ...read, endpoint: endpoint.trim() });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const trust = () => {
    if (!certificate) return;
    if (
      updateApi((next) => {
        next.endpoint = certificate.endpoint;
        next.fingerprint = certificate.fingerprint;
      }, `trust the certificate of ${certificate.endpoint} for ${cluster.name}`)
    ) {
      setCertificate(null);
    }
  };

  const storePassword = async () => {
    if (!password) return;
    setBusy(true);
    setError(null);
    let stored: string | undefined;
    try {
      ({ id: stored } = await transport.call('secrets.put', { label: `root@pam on Proxmox cluster ${cluster.name}`, kind: 'password', value: password }));
      const id = stored;
      setPassword('');
      const previous = api?.passwordSecret;
      if (
        !updateApi((next) => {
          next.user = 'root@pam';
          next.passwordSecret = id;
        }, `store root@pam's password for ${cluster.name}`)
      ) {
        await transport.call('secrets.delete', { id }).catch(() => undefined);
        return;
      }
      // The file must name the new secret before the old one goes; nothing else may still name the old one.
      await saveWorkspace();
      const after = store.getState();
      if (after.saveState !== 'saved') {
        setError(`The password is stored, but the workspace could not be saved (${after.saveError ?? 'unknown reason'}); the previous secret is kept.`);
        return;
      }
      const stillNamed = (after.workspace?.proxmox?.clusters ?? []).some((c) => c.api?.passwordSecret === previous || c.api?.tokenSecret === previous);
      if (previous && previous !== id && !stillNamed) await transport.call('secrets.delete', { id: previous }).catch(() => undefined);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap={6} data-testid="wizard-api">
      <Group gap="xs">
        <Text size="sm" fw={600}>
          Cluster API
        </Text>
        <Badge size="xs" color={pinned ? 'green' : 'orange'} data-testid="wizard-api-certificate-state">
          {pinned ? 'certificate pinned' : 'certificate not confirmed'}
        </Badge>
        <Badge size="xs" color={api?.passwordSecret && api.user === 'root@pam' ? 'green' : 'orange'} data-testid="wizard-api-password-state">
          {api?.passwordSecret && api.user === 'root@pam' ? 'root@pam password stored' : 'root@pam password missing'}
        </Badge>
      </Group>
      <Group align="flex-end" gap="xs" wrap="nowrap">
        <TextInput
          ref={endpointInput}
          label="Endpoint (any member's port 8006)"
          value={endpoint}
          onChange={(e) => {
            setEndpoint(e.currentTarget.value);
            setCertificate(null);
          }}
          error={endpoint && !parsed ? 'host, host:port or [IPv6]:port' : undefined}
          style={{ flex: 1 }}
          data-testid="wizard-api-endpoint"
        />
        <Button size="xs" variant="default" onClick={() => void readCertificate()} disabled={!parsed} loading={busy} data-testid="wizard-read-certificate">
          Read its certificate
        </Button>
      </Group>
      {pinned && !certificate && (
        <Text size="xs" c="dimmed">
          Pinned: <Code fz="xs">{pinned}</Code>
        </Text>
      )}
      {certificate && (
        <Alert color={certificate.fingerprint === pinned ? 'green' : 'yellow'} variant="light" title={certificate.fingerprint === pinned ? 'Same certificate as pinned' : 'Compare before you trust it'} data-testid="wizard-certificate">
          <Stack gap={4}>
            <Text size="xs">
              SHA-256 <Code fz="xs" data-testid="wizard-certificate-fingerprint">{certificate.fingerprint}</Code>
            </Text>
            <Text size="xs">Subject {certificate.subject}</Text>
            <Text size="xs">
              Issuer {certificate.issuer}; valid until {certificate.validTo}
            </Text>
            <Text size="xs" c="dimmed">
              On the node, `pvenode cert info` shows the fingerprint of pve-ssl.pem: they must match.
            </Text>
            {certificate.fingerprint !== pinned && (
              <Group justify="flex-end">
                <Button size="xs" onClick={trust} data-testid="wizard-trust-certificate">
                  It matches: trust it
                </Button>
              </Group>
            )}
          </Stack>
        </Alert>
      )}
      <Group align="flex-end" gap="xs" wrap="nowrap">
        <PasswordInput
          ref={passwordInput}
          label="root@pam password (create and join need it)"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          style={{ flex: 1 }}
          autoComplete="off"
          data-testid="wizard-root-password"
        />
        <Button size="xs" variant="default" onClick={() => void storePassword()} disabled={!password} loading={busy} data-testid="wizard-store-password">
          {api?.passwordSecret ? 'Replace it' : 'Store it'}
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        The password goes to the secret store once; the workspace keeps only its id, and no log or export ever shows it.
      </Text>
      {error && (
        <Text size="sm" c="red" data-testid="wizard-api-error">
          {error}
        </Text>
      )}
    </Stack>
  );
}
