// Forms that add sites, networks and nodes; every change goes through the workspace schema.
import { Button, Group, MultiSelect, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { networkRoles, siteKinds, type Workspace } from '../../../../main/common/workspace/schema.js';
import { defaultStacks, groupsOf } from '../../../../main/common/stacks/compose.js';
import { stackUi } from '../../stacks/registry.js';

export type WorkspaceEdit = (draft: Workspace) => void;

export function AddSiteForm({ onEdit, onDone }: { onEdit(edit: WorkspaceEdit, label: string): string | null; onDone(): void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string>('lan');
  const [location, setLocation] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Stack gap="xs" component="form" aria-label="Add a site" onSubmit={(e) => {
      e.preventDefault();
      const problem = onEdit((ws) => {
        ws.sites.push({ name: name.trim(), kind: kind as Workspace['sites'][number]['kind'], ...(location.trim() ? { location: location.trim() } : {}) });
      }, `add site ${name.trim()}`);
      setError(problem);
      if (!problem) onDone();
    }}>
      <TextInput label="Site name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="site-name" />
      <Select label="Reached over" data={siteKinds.map((k) => ({ value: k, label: k.toUpperCase() }))} value={kind} onChange={(v) => setKind(v ?? 'lan')} allowDeselect={false} />
      <TextInput label="Location" placeholder="Basement rack, Office 2…" value={location} onChange={(e) => setLocation(e.currentTarget.value)} />
      {error && <Text size="xs" c="red" data-testid="form-error">{error}</Text>}
      <Group justify="flex-end">
        <Button variant="default" size="xs" onClick={onDone}>Cancel</Button>
        <Button type="submit" size="xs">Add site</Button>
      </Group>
    </Stack>
  );
}

export function AddNetworkForm({ onEdit, onDone }: { onEdit(edit: WorkspaceEdit, label: string): string | null; onDone(): void }) {
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<string[]>(['management']);
  const [cidr, setCidr] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Stack gap="xs" component="form" aria-label="Add a network" onSubmit={(e) => {
      e.preventDefault();
      const problem = onEdit((ws) => {
        ws.networks.push({ name: name.trim(), roles: roles as Workspace['networks'][number]['roles'], ...(cidr.trim() ? { cidr: cidr.trim() } : {}) });
      }, `add network ${name.trim()}`);
      setError(problem);
      if (!problem) onDone();
    }}>
      <TextInput label="Network name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
      <MultiSelect label="Carries" data={[...networkRoles]} value={roles} onChange={setRoles} />
      <TextInput label="CIDR" placeholder="10.10.0.0/24" value={cidr} onChange={(e) => setCidr(e.currentTarget.value)} />
      {error && <Text size="xs" c="red" data-testid="form-error">{error}</Text>}
      <Group justify="flex-end">
        <Button variant="default" size="xs" onClick={onDone}>Cancel</Button>
        <Button type="submit" size="xs">Add network</Button>
      </Group>
    </Stack>
  );
}

/** A site that holds none of the cluster's members (where a QDevice belongs), else the first site. */
export function thirdSite(workspace: Workspace, cluster: string | undefined): string | null {
  const members = new Set((groupsOf(workspace).find((g) => g.name === cluster)?.members ?? []).filter((m) => m.member).map((m) => m.node));
  const used = new Set(workspace.nodes.filter((n) => members.has(n.name)).map((n) => n.site));
  return (cluster ? workspace.sites.find((s) => !used.has(s.name)) : undefined)?.name ?? workspace.sites[0]?.name ?? null;
}

/** Adds a node; with `qdeviceFor`, the node also becomes that cluster's QDevice host (its stack makes the change). */
export function AddNodeForm({ workspace, onEdit, onDone, qdeviceFor }: { workspace: Workspace; onEdit(edit: WorkspaceEdit, label: string): string | null; onDone(): void; qdeviceFor?: string }) {
  const [name, setName] = useState('');
  const [site, setSite] = useState<string | null>(thirdSite(workspace, qdeviceFor));
  const [addresses, setAddresses] = useState<Record<string, string>>({});
  const [sshUser, setSshUser] = useState('root');
  const [error, setError] = useState<string | null>(null);
  return (
    <Stack gap="xs" component="form" aria-label="Add a node" onSubmit={(e) => {
      e.preventDefault();
      const trimmed = Object.fromEntries(Object.entries(addresses).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v));
      const problem = onEdit((ws) => {
        ws.nodes.push({ name: name.trim(), site: site ?? '', addresses: trimmed, ssh: { user: sshUser.trim() || 'root' } });
        if (qdeviceFor) {
          const made = defaultStacks.some((stack) => stackUi(stack.id).addQdeviceHost?.(ws, qdeviceFor, name.trim()) === true);
          if (!made) throw new Error(`there is no cluster ${qdeviceFor} with a QDevice any more`);
        }
      }, qdeviceFor ? `add ${name.trim()} as the QDevice host of ${qdeviceFor}` : `add node ${name.trim()}`);
      setError(problem);
      if (!problem) onDone();
    }}>
      {qdeviceFor && (
        <Text size="sm" data-testid="qdevice-form-note">
          This host becomes the QDevice of cluster {qdeviceFor} (corosync-qnetd, ffsplit): put it at a site that holds none of the cluster&apos;s nodes, reachable from all of them.
        </Text>
      )}
      <TextInput label={qdeviceFor ? 'QDevice host name' : 'Node name (hostname)'} required value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="node-name" />
      <Select label="Site" required data={workspace.sites.map((s) => s.name)} value={site} onChange={setSite} data-testid="node-site" allowDeselect={false} />
      {workspace.networks.map((n) => (
        <TextInput
          key={n.name}
          label={`Address on ${n.name}`}
          placeholder={n.cidr ?? 'IP address'}
          value={addresses[n.name] ?? ''}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setAddresses((a) => ({ ...a, [n.name]: value }));
          }}
          data-testid={`node-address-${n.name}`}
        />
      ))}
      <TextInput label="SSH user" value={sshUser} onChange={(e) => setSshUser(e.currentTarget.value)} />
      {error && <Text size="xs" c="red" data-testid="form-error">{error}</Text>}
      <Group justify="flex-end">
        <Button variant="default" size="xs" onClick={onDone}>Cancel</Button>
        <Button type="submit" size="xs" data-testid="add-node-submit">{qdeviceFor ? 'Add the QDevice host' : 'Add node'}</Button>
      </Group>
    </Stack>
  );
}
