// Writing edits back: comments, key order and unknown keys survive, untouched text is byte-identical,
// and what is written reads back as exactly the edited model.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderWorkspaceEdit } from './edit.js';
import { parseWorkspace } from './parse.js';
import { editWorkspaceText, serializeWorkspace } from './serialize.js';
import type { Workspace } from './schema.js';

const example = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/workspaces/example.yaml'), 'utf8');

function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  const inA = new Map<string, number>();
  for (const line of a) inA.set(line, (inA.get(line) ?? 0) + 1);
  const added: string[] = [];
  for (const line of b) {
    const n = inA.get(line) ?? 0;
    if (n > 0) inA.set(line, n - 1);
    else added.push(line);
  }
  const removed = [...inA.entries()].flatMap(([line, n]) => Array<string>(n).fill(line));
  return { removed, added };
}

function edit(text: string, change: (ws: Workspace) => void): { text: string; next: Workspace } {
  const parsed = parseWorkspace(text);
  const next = structuredClone(parsed.workspace!);
  change(next);
  return { text: editWorkspaceText(text, parsed.document, parsed.workspace!, next), next };
}

describe('editing a workspace file', () => {
  it('changes only the line of an edited address and keeps every comment', () => {
    const { text, next } = edit(example, (ws) => {
      ws.nodes[1]!.addresses.mgmt = '192.168.10.112';
    });
    expect(changedLines(example, text)).toEqual({
      removed: ['    addresses: { mgmt: 192.168.10.12, ring0: 10.10.0.12, ring1: 10.11.0.12, san: 10.20.0.12 }'],
      added: ['    addresses: { mgmt: 192.168.10.112, ring0: 10.10.0.12, ring1: 10.11.0.12, san: 10.20.0.12 }'],
    });
    expect(parseWorkspace(text).workspace).toEqual(next);
  });

  it('records an accepted WAN layout as one added line under its cluster', () => {
    const { text, next } = edit(example, (ws) => {
      ws.proxmox!.clusters[0]!.wanTuning = { accepted: true, tokenMs: 10000 };
    });
    expect(changedLines(example, text)).toEqual({ removed: [], added: ['      wanTuning: { accepted: true, tokenMs: 10000 }'] });
    expect(text).toContain('# wanTuning: { accepted: true, tokenMs: 10000 }   # set by the wizard');
    expect(parseWorkspace(text).workspace).toEqual(next);
  });

  it('adds a node at the end of the list and a canvas position, touching nothing else', () => {
    const { text, next } = edit(example, (ws) => {
      ws.nodes.push({ name: 'pve4', site: 'office', addresses: { mgmt: '192.168.10.14' } });
      ws.layout!.nodes!.pve4 = { x: 300, y: 80 };
    });
    const { removed, added } = changedLines(example, text);
    expect(removed).toEqual([]);
    expect(added).toEqual(['  - name: pve4', '    site: office', '    addresses: { mgmt: 192.168.10.14 }', '    pve4: { x: 300, y: 80 }']);
    expect(parseWorkspace(text).workspace).toEqual(next);
    // The new node sits before the comment that introduces the next section.
    expect(text.indexOf('name: pve4')).toBeLessThan(text.indexOf('# Proxmox VE clusters.'));
  });

  it('removes a node with its lines only, keeping the comment of the next section', () => {
    const { text, next } = edit(example, (ws) => {
      ws.nodes = ws.nodes.filter((n) => n.name !== 'esx-witness');
      ws.vsan!.clusters[0]!.witness!.host = 'esx-a1';
    });
    expect(text).not.toContain('esx-witness\n');
    expect(text).toContain('# Proxmox VE clusters.');
    expect(text).not.toContain('labels: [vSAN witness appliance]');
    expect(changedLines(example, text).added).toEqual(['      witness: { host: esx-a1, site: cloud }']);
    expect(parseWorkspace(text).workspace).toEqual(next);
  });

  it('keeps unknown keys the model never knew', () => {
    const source = 'version: 1\nname: x\nx-owner: ops team   # not a Clusterwright key\nsites:\n  - name: a\n    kind: lan\n    rack: 4\n';
    const { text } = edit(source, (ws) => {
      ws.sites[0]!.kind = 'man';
    });
    expect(text).toContain('x-owner: ops team   # not a Clusterwright key');
    expect(text).toContain('rack: 4');
    expect(text).toContain('kind: man');
  });

  it('writes a new model that reads back identically', () => {
    const parsed = parseWorkspace(example);
    const text = serializeWorkspace(parsed.workspace!);
    expect(parseWorkspace(text).workspace).toEqual(parsed.workspace);
  });

  it('renderWorkspaceEdit verifies what it writes and returns its parse', () => {
    const parsed = parseWorkspace(example);
    const next = structuredClone(parsed.workspace!);
    next.sites.reverse();
    next.name = 'Renamed estate';
    const result = renderWorkspaceEdit(example, parsed, next);
    expect(result.parsed.ok).toBe(true);
    expect(result.parsed.workspace).toEqual(next);
    expect(result.text).toContain('# Sites: where machines stand');
  });

  it('splices 500 random edits so that the text reads back as exactly the edited model', () => {
    let state = 12345;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const edits: ((ws: Workspace) => void)[] = [
      (ws) => ws.nodes.push({ name: `new${random(1000)}x${ws.nodes.length}`, site: ws.sites[0]!.name, addresses: {} }),
      (ws) => ws.nodes.splice(random(ws.nodes.length), 1),
      (ws) => ws.nodes.reverse(),
      (ws) => ws.sites.push({ name: `s${ws.sites.length}x${random(999)}`, kind: 'wan', location: 'far' }),
      (ws) => (ws.sites[random(ws.sites.length)]!.kind = 'internet'),
      (ws) => delete ws.sites[random(ws.sites.length)]!.location,
      (ws) => (ws.nodes[random(ws.nodes.length)]!.labels = ['x', 'y']),
      (ws) => (ws.nodes[random(ws.nodes.length)]!.addresses = {}),
      (ws) => delete ws.nodes[random(ws.nodes.length)]!.ssh,
      (ws) => (ws.description = random(2) ? undefined : 'changed'),
      (ws) => delete ws.layout,
      (ws) => (ws.layout = { nodes: { a: { x: random(100), y: 1 } }, sites: { b: { x: 0, y: 0 } } }),
      (ws) => void (ws.proxmox!.clusters[0]!.links.length > 1 && ws.proxmox!.clusters[0]!.links.pop()),
      (ws) => (ws.proxmox!.clusters[0]!.qdevice = { host: 'esx-witness', algorithm: 'ffsplit' }),
      (ws) => delete ws.proxmox,
      (ws) => (ws.openstack!.regions[1]!.compute = []),
      (ws) => ws.openstack!.regions.reverse(),
      (ws) => (ws.vsan = { clusters: [] }),
      (ws) => ws.networks.splice(random(ws.networks.length), 1),
    ];
    let text = example;
    for (let i = 0; i < 500; i++) {
      if (i % 25 === 0) text = example;
      const parsed = parseWorkspace(text);
      const next = structuredClone(parsed.workspace!);
      const steps = 1 + random(3);
      for (let k = 0; k < steps; k++) {
        if (next.nodes.length && next.sites.length && next.proxmox?.clusters.length && next.openstack?.regions.length === 2) edits[random(edits.length)]!(next);
      }
      const plain = JSON.parse(JSON.stringify(next)) as Workspace;
      const out = editWorkspaceText(text, parsed.document, parsed.workspace!, plain);
      const back = parseWorkspace(out);
      expect(back.workspace, out).toEqual(plain);
      expect(out).toContain('# Every key is documented here; the app keeps these comments when it saves.');
      if (plain.nodes.some((n) => n.name === 'pve3' && n.ssh?.identitySecret)) expect(out).toContain('# looked up in the secret store when used');
      text = out;
    }
  });
});
