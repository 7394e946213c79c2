// exec's first look at the workspace: where its early TCP connections go, or none at all when anything is unusual;
// and the connections the CLI's entry opens from it: TCP only, not a byte sent.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SshConfigFile } from '../ssh/ssh-config.js';
import { firstHops, openFirstConnections } from './first-hops.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-first-hops-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const head = ['version: 1', 'name: t', 'sites: [{ name: here, kind: lan }]', 'networks: [{ name: mgmt, roles: [management] }]', 'nodes:'];
const node = (name: string, ssh: string) => [`  - name: ${name}`, '    site: here', `    ssh: ${ssh}`];
function file(name: string, lines: string[]): string {
  const where = path.join(dir, name);
  fs.writeFileSync(where, lines.join('\n') + '\n');
  return where;
}
const hostPorts = (hops: { host: string; port: number }[]) => hops.map((h) => `${h.host}:${h.port}`);

describe('firstHops', () => {
  const estate = file('ok.yaml', [
    ...head,
    ...node('gw', '{ host: 192.0.2.1, port: 2222, user: admin }'),
    ...node('a', '{ host: 10.0.0.1, jump: [gw] }'),
    ...node('b', '{ host: 10.0.0.2, jump: [gw] }'),
    ...node('c', '{ host: 10.0.0.3 }'),
  ]);

  it('gives each selected node\'s first hop once: the jump host for a node behind one, in selection order', () => {
    expect(hostPorts(firstHops(estate, 'a,b,c', 64, null, {}))).toEqual(['192.0.2.1:2222', '10.0.0.3:22']);
    expect(hostPorts(firstHops(dir, 'c', 64, null, {}))).toEqual([]); // a folder without clusterwright.yaml
    expect(hostPorts(firstHops(estate, 'all', 1, null, {}))).toEqual(['192.0.2.1:2222']); // no more than --max-parallel nodes
  });

  it('applies ~/.ssh/config as the real connection does (HostName, Port)', () => {
    const config = SshConfigFile.fromText('Host c\n  HostName 10.9.9.9\n  Port 2200\n', dir);
    const viaAlias = file('alias.yaml', [...head, ...node('c', '{ host: c }')]);
    expect(hostPorts(firstHops(viaAlias, 'c', 64, config, {}))).toEqual(['10.9.9.9:2200']);
  });

  it('gives none when anything is unusual, leaving the full read to report it', () => {
    const cases = {
      'a YAML syntax error': file('syntax.yaml', [...head, '  - name: [unclosed']),
      'another format version': file('v2.yaml', ['version: 2', ...head.slice(1), ...node('c', '{ host: 10.0.0.3 }')]),
      'an invalid node': file('bad-node.yaml', [...head, ...node('c', '{ host: 10.0.0.3, port: 70000 }')]),
      'a host that is an option': file('dash.yaml', [...head, ...node('c', "{ host: '-oProxyCommand=x' }")]),
      'a missing file': path.join(dir, 'nothing-here.yaml'),
    };
    for (const [what, location] of Object.entries(cases)) expect(firstHops(location, 'all', 64, null, {}), what).toEqual([]);
    expect(firstHops(estate, 'nosuchnode', 64, null, {})).toEqual([]);
    // A file outside the plain subset of YAML (an anchor here) gives none, though the yaml package would read it.
    expect(firstHops(file('anchor.yaml', [...head, ...node('c', '&x { host: 10.0.0.3 }')]), 'all', 64, null, {})).toEqual([]);
    // Each field that decides where a connection goes is checked as the schema checks it.
    for (const [what, ssh] of Object.entries({ 'a jump that is an option': '{ host: 10.0.0.3, jump: [-oProxyCommand=x] }', 'a port that is text': '{ host: 10.0.0.3, port: "22" }', 'a host that is a list': '{ host: [10.0.0.3] }' })) {
      expect(firstHops(file('field.yaml', [...head, ...node('c', ssh)]), 'all', 64, null, {}), what).toEqual([]);
    }
  });

  it('opens the connections from exec\'s arguments, sending nothing; none for arguments exec refuses', async () => {
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    const arrived: { bytes: number; closed: Promise<void> }[] = [];
    listener.on('connection', (socket) => {
      const seen = { bytes: 0, closed: new Promise<void>((resolve) => socket.once('close', () => resolve())) };
      arrived.push(seen);
      socket.on('data', (chunk: Buffer) => (seen.bytes += chunk.byteLength));
      socket.on('error', () => {});
    });
    try {
      const location = file('listener.yaml', [...head, ...node('a', `{ host: 127.0.0.1, port: ${port}, user: nobody }`), ...node('b', `{ host: 127.0.0.1, port: ${port} }`)]);
      for (const args of [[location, 'all', '--nope', '--', 'true'], [location, 'all', '--'], [location, 'all', 'true']]) expect(openFirstConnections(args, {}), args.join(' ')).toEqual([]);
      const opened = openFirstConnections([location, 'all', '--timeout', '5', '--', 'uptime'], { HOME: dir });
      // One connection for the two nodes: they share their first hop.
      expect(opened.map((c) => `${c.host}:${c.port}`)).toEqual([`127.0.0.1:${port}`]);
      await opened[0]!.ready;
      await new Promise((resolve) => setTimeout(resolve, 50));
      opened[0]!.socket.destroy();
      await arrived[0]!.closed;
      expect(arrived.map((a) => a.bytes)).toEqual([0]);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
