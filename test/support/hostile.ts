// Hostile values for the injection property tests, the workspace fields they are placed in, fake
// Proxmox nodes for running plans and exports on this machine, and a reader of exported YAML that
// tells Ansible data (`!unsafe`) from text Ansible would evaluate.
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument, type ScalarTag } from 'yaml';
import { planSchema, type Plan, type PlanInput } from '../../main/common/plan/schema.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { formatPath } from '../../main/common/workspace/paths.js';
import { validateWorkspace } from '../../main/common/workspace/rules/index.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { proxmoxClusterPlan } from '../../main/node/stacks/proxmox/plan.js';
import { overlaysOf } from '../../main/common/overlay/model.js';
import { overlayToBuild } from '../../main/node/overlay/build.js';
import { overlayKeysPlan, overlayPlan } from '../../main/node/overlay/plan.js';
import { overlayPlanNodes } from '../../main/node/services/overlay.js';
import { clusterPlanFromWorkspace } from '../../main/node/stacks/proxmox/workspace-plan.js';

/** The program every payload tries to run: a stub on PATH (on this machine and on lab hosts) that leaves a marker file. */
export const PWN = 'cwpwn';

/** The nastiest values, each trying one way to become code, an option, a template or something it is not. */
export function nastyValues(markerFile: string): string[] {
  const touch = `touch ${markerFile}`;
  return [
    `$(${PWN})`,
    `\`${PWN}\``,
    `;${PWN};`,
    `|${PWN}`,
    `&& ${PWN}`,
    `\n${PWN}\n`,
    `x';${PWN};'`,
    `x";${PWN};"`,
    `'"$(${touch})"'`,
    `{{ lookup('pipe', '${PWN}') }}`,
    `{% for x in query('pipe', '${touch}') %}{% endfor %}`,
    `{{ '{{' }}lookup('pipe','${PWN}'){{ '}}' }}`,
    `{# #}{{ q('pipe', '${PWN}') }}`,
    `-oProxyCommand=${PWN}`,
    '--help',
    '-',
    `fe80::1%$(${PWN})`,
    `fe80::1%eth0;${PWN}`,
    `127.0.1.11 $(${PWN})`,
    '127.0.1.11,priority=1,address=127.0.9.9',
    `pve1\u0000$(${PWN})`,
    'ｐｖｅ１',
    'рve1',
    'pve1\u200b',
    '\u202e1evp',
    'x'.repeat(5000),
    `\${IFS}${PWN}`,
    `a\r${PWN}`,
    `a\u2028${PWN}: x`,
    '!unsafe x',
    `*anchor ${PWN}`,
    'key: value',
    '- item',
    '#comment',
    '%h%n%%',
    'all',
    'localhost',
    'x\\',
    '~root',
    '../../etc/passwd',
    `PVEAPIToken=a@b!c=d,host=evil,${PWN}`,
  ];
}

/**
 * `count` values, each a plausible start, a payload that runs PWN and an end, combined with strides prime to
 * the list lengths so that successive values pair every part with different others; the same on every run.
 */
export function generatedValues(count: number): string[] {
  const starts = ['pve1', 'root', '127.0.1.11', 'fe80::1%', 'homelab', '~/.ssh/', '/root/', 'a@pam!', 'vmbr0', 'local-lvm', '-', '--', ''];
  const payloads = [`$(${PWN})`, `\`${PWN}\``, `;${PWN}`, `|${PWN}`, `\n${PWN}`, `'$(${PWN})'`, `"$(${PWN})"`, `{{ lookup('pipe','${PWN}') }}`, `{%set x=lookup('pipe','${PWN}')%}`, ` -o ProxyCommand=${PWN}`, `,${PWN}=1`, `%$(${PWN})`, `\r${PWN}`, `\${${PWN}}`];
  const ends = ['', ' ', '#', "'", '"', '\\', '\n', ':8006', '/x', ',', '%eth0', '\u00a0', '\u0085'];
  return Array.from({ length: count }, (_, i) => `${starts[i % starts.length]}${payloads[(i * 5 + 3) % payloads.length]}${ends[(i * 7 + 1) % ends.length]}`);
}

/** Every field filled in: two Proxmox nodes and a QDevice on loopback, an OpenStack region, a vSAN cluster. */
export function fullWorkspace(fp: string): Record<string, unknown> {
  const node = (name: string, site: string, i: number, extra: Record<string, unknown> = {}) => ({
    name,
    site,
    addresses: { ring0: `127.0.1.${i}`, ring1: `127.0.2.${i}`, mgmt: `127.0.3.${i}`, san: `127.0.4.${i}` },
    ssh: { host: `127.0.3.${i}`, port: 22, user: 'root', identityFile: '~/.ssh/id_ed25519', ...extra },
    labels: ['rack 1'],
    notes: 'plain notes',
  });
  return {
    version: 1,
    name: 'Injection estate',
    description: 'every field filled in',
    sites: [
      { name: 'home', kind: 'lan', location: 'basement', notes: 'n' },
      { name: 'office', kind: 'man', location: 'office', notes: 'n' },
      { name: 'cloud', kind: 'internet', location: 'rented', notes: 'n' },
    ],
    networks: [
      { name: 'ring0', roles: ['corosync'], cidr: '127.0.1.0/24', notes: 'link0' },
      { name: 'ring1', roles: ['corosync'], cidr: '127.0.2.0/24' },
      { name: 'mgmt', roles: ['management'], cidr: '127.0.3.0/24' },
      { name: 'san', roles: ['migration'], cidr: '127.0.4.0/24', bandwidthGbps: 10, vlan: 20 },
      { name: 'wgnet', roles: ['vm-data'], cidr: '10.98.0.0/24', notes: 'rides on the overlay' },
    ],
    nodes: [
      node('pve1', 'home', 11),
      node('pve2', 'office', 12, { identitySecret: 'ssh-key-office', jump: ['pve1', 'admin@127.0.3.11:22'] }),
      node('qdev', 'cloud', 13),
      { name: 'os1', site: 'home', addresses: { mgmt: '127.0.3.21' } },
      { name: 'esx-a', site: 'home', addresses: { mgmt: '127.0.3.31' } },
      { name: 'esx-b', site: 'office', addresses: { mgmt: '127.0.3.32' } },
    ],
    proxmox: {
      clusters: [
        {
          name: 'homelab',
          nodes: ['pve1', 'pve2'],
          nodeIds: { pve1: 1, pve2: 2 },
          votes: { pve1: 1, pve2: 1 },
          links: [
            { link: 0, network: 'ring0', priority: 20 },
            { link: 1, network: 'ring1', priority: 10 },
          ],
          qdevice: { host: 'qdev', algorithm: 'ffsplit' },
          ha: { enabled: true },
          migrationNetwork: 'san',
          api: { endpoint: '127.0.3.11:8006', user: 'root@pam', passwordSecret: 'pve-root', tokenId: 'root@pam!monitor', tokenSecret: 'pve-token', fingerprint: fp },
          storages: [
            { id: 'local-lvm', type: 'lvmthin', shared: false, nodes: ['pve1', 'pve2'] },
            { id: 'ceph-vm', type: 'rbd', shared: true },
          ],
          wanTuning: { accepted: false, acceptedAt: '2026-01-01T00:00:00.000Z', tokenMs: 3000, note: 'n' },
        },
      ],
    },
    openstack: {
      regions: [{ name: 'RegionOne', keystone: true, controllers: ['os1'], networkNodes: ['os1'], compute: ['os1'], storage: ['os1'], liveMigration: false, managementNetwork: 'mgmt' }],
      interconnects: [],
    },
    vsan: {
      clusters: [
        {
          name: 'stretch',
          vcenter: { endpoint: 'https://vcenter.example.lan/sdk', user: 'administrator@vsphere.local', secretId: 'vcenter-admin' },
          preferredSite: { site: 'home', hosts: ['esx-a'] },
          secondarySite: { site: 'office', hosts: ['esx-b'] },
          stretched: true,
          witness: { host: 'qdev', site: 'cloud' },
          dataNetwork: 'mgmt',
          witnessNetwork: 'mgmt',
        },
      ],
    },
    overlays: [
      {
        name: 'sites',
        kind: 'wireguard',
        topology: 'hub-and-spoke',
        hub: 'pve1',
        sites: ['cloud'],
        nodes: ['pve1', 'pve2'],
        addressRange: '10.99.0.0/24',
        networks: ['wgnet'],
        underlay: 'mgmt',
        port: 51820,
        keepalive: 25,
        behindNat: ['qdev'],
        endpoints: { pve2: '127.0.3.12:51820' },
        interface: 'wg-sites',
        mtu: 1380,
      },
    ],
    layout: { nodes: { pve1: { x: 1, y: 2 } }, sites: { home: { x: 0, y: 0 } } },
  };
}

export type FieldPath = (string | number)[];
export interface Field {
  path: FieldPath;
  /** The field is a mapping key (a network name under addresses, a node under votes), renamed to the value. */
  key?: boolean;
}

const keyedMaps = [/\.addresses$/, /\.nodeIds$/, /\.votes$/, /^overlays\.\d+\.endpoints$/, /^layout\.nodes$/, /^layout\.sites$/];

/** Every text field of a raw workspace (string leaves, and the keys of maps keyed by names). */
export function textFields(value: unknown, at: FieldPath = []): Field[] {
  if (typeof value === 'string') return [{ path: at }];
  if (Array.isArray(value)) return value.flatMap((v, i) => textFields(v, [...at, i]));
  if (value && typeof value === 'object') {
    const dotted = at.filter((s) => typeof s === 'string').join('.');
    const keyed = keyedMaps.some((re) => re.test(dotted));
    return Object.entries(value).flatMap(([k, v]) => [...(keyed ? [{ path: [...at, k], key: true }] : []), ...textFields(v, [...at, k])]);
  }
  return [];
}

/** A copy of `raw` with `value` in `field`. */
export function withValue(raw: unknown, field: Field, value: string): unknown {
  const copy = structuredClone(raw) as Record<string | number, unknown>;
  let parent = copy as Record<string | number, unknown>;
  for (const segment of field.path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  const last = field.path[field.path.length - 1]!;
  if (field.key) {
    const entries = Object.entries(parent).map(([k, v]) => (k === String(last) ? [value, v] : [k, v]));
    for (const k of Object.keys(parent)) delete parent[k];
    Object.assign(parent, Object.fromEntries(entries));
  } else parent[last] = value;
  return copy;
}

/** The field path as the parser prints it (nodes[0].ssh.user). */
export const fieldText = (path: FieldPath): string => formatPath(path);

// ---------------------------------------------------------------------------------------------
// Ansible's view of an exported file

class Tagged {
  constructor(readonly value: string) {}
}
const unsafeTag: ScalarTag = { tag: '!unsafe', identify: (v) => v instanceof Tagged, resolve: (text) => new Tagged(text) };

/** Every string Ansible would template in a YAML file: values and keys not tagged `!unsafe`. */
export function templatedStrings(yamlText: string): string[] {
  const doc = parseDocument(yamlText, { customTags: [unsafeTag] });
  if (doc.errors.length) throw new Error(`exported YAML does not parse: ${doc.errors[0]!.message}`);
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Tagged) return;
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        out.push(k);
        walk(child);
      }
    }
  };
  walk(doc.toJS());
  // Jinja copies a {% raw %} block as it is: only what is outside one is evaluated.
  return out.map((s) => s.replace(/\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/g, '')).filter((s) => s !== '');
}

// ---------------------------------------------------------------------------------------------
// Fake Proxmox nodes on this machine

export interface FakeNodes {
  /** Put first on PATH: pvesh, pvecm, corosync tools, sleep, timeout, ssh and PWN stand-ins. */
  bin: string;
  /** Arguments every stand-in received, one JSON array per call. */
  calls(): string[][];
  /** ssh invocations: the argv it got. */
  sshCalls(): string[][];
  /** Forgets every node's cluster membership and learns which address is which node (before each plan). */
  reset(addresses?: Record<string, string>): void;
  /** The addresses every fake node reports as its own (`ip -o addr show`). */
  setAddresses(addresses: string[]): void;
  /** Files PWN left behind. */
  markers(): string[];
  markerDir: string;
}

/**
 * Stand-ins that log their arguments and answer like an idle Proxmox node; `ssh` maps the address it is
 * given to a node (`CW_FAKE_NODE`) and runs the remote command with sh on this machine; `timeout` runs
 * its command without a network (no traffic leaves this machine). PWN leaves a marker.
 */
export function fakeNodes(dir: string, addresses: Record<string, string>): FakeNodes {
  const bin = path.join(dir, 'bin');
  const markerDir = path.join(dir, 'markers');
  const log = path.join(dir, 'calls.log');
  const sshLog = path.join(dir, 'ssh.log');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(markerDir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'nodes.map'), Object.entries(addresses).map(([a, n]) => `${a} ${n}\n`).join(''));
  // The program's name, then its arguments NUL-separated in hex on one line, then ".": no argument can forge another.
  const logArgs = (file: string) => `{ printf '%s\\n' "\${0##*/}"; if [ $# -gt 0 ]; then printf '%s\\0' "$@" | od -An -v -tx1 | tr -d ' \\n'; fi; printf '\\n.\\n'; } >> '${file}'`;
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  stub(PWN, `touch '${markerDir}'/pwned-$$`);
  // A node that is what the plan expects: its own name, a non-loopback address it resolves to, every workspace address on it.
  const addressFile = path.join(dir, 'addresses');
  fs.writeFileSync(addressFile, '');
  stub('hostname', 'printf \'%s\\n\' "${CW_FAKE_NODE:-fake}"');
  stub('getent', 'for last; do :; done; printf \'198.18.250.1    %s\\n\' "$last"');
  stub('ip', `printf '1: eth0    inet 198.18.250.1/24\\n'; while IFS= read -r a; do printf '2: eth0    inet %s/24\\n' "$a"; done < '${addressFile}'`);
  // A node's cluster state: `pvesh create /cluster/config[/join]` makes it a member; corosync-cmapctl then names the
  // cluster; quorum and membership hold at once, so every wait of a cluster plan ends.
  const state = path.join(dir, 'state');
  fs.mkdirSync(state, { recursive: true });
  const answers = [
    `state='${state}'`,
    'case "${0##*/} $1 $2" in',
    '  "pvesh create /cluster/config")',
    '    prev=; for a; do case "$prev" in --clustername) name=$a ;; esac; case "$a" in --clustername=*) name=${a#--clustername=} ;; esac; prev=$a; done',
    '    printf \'%s\' "$name" > "$state/cluster"; touch "$state/member-$CW_FAKE_NODE" ;;',
    '  "pvesh create /cluster/config/join") touch "$state/member-$CW_FAKE_NODE" ;;',
    '  "pvesh get /nodes/"*) echo \'[]\' ;;',
    '  "corosync-quorumtool -s"*) printf \'Quorate: Yes\\nTotal votes: 99\\n\' ;;',
    '  "corosync-cmapctl -m stats") echo \'stats.srp.commit_token_lost (u64) = 0\' ;;',
    '  "corosync-cmapctl -g totem.cluster_name") [ -e "$state/member-$CW_FAKE_NODE" ] && printf \'totem.cluster_name (str) = %s\\n\' "$(cat "$state/cluster")" ;;',
    'esac',
  ].join('\n');
  for (const name of ['pvesh', 'pvecm', 'corosync-cmapctl', 'corosync-quorumtool', 'sleep']) {
    stub(name, `${logArgs(log)}\n${answers}\nexit 0`);
  }
  // The command runs in a network namespace of its own where one can be made (nothing it connects to leaves this
  // machine); elsewhere only for loopback and lab addresses.
  stub(
    'timeout',
    [
      logArgs(log),
      'shift',
      // Reachability checks (bash /dev/tcp) run for real, then count as reached: every port of a fake node is open.
      'case "$1 $2" in "bash -c") reach=1 ;; *) reach=0 ;; esac',
      'if unshare -rn true 2>/dev/null; then unshare -rn "$@"; rc=$?',
      'else',
      '  for a in "$@"; do case "$a" in 127.*|198.1[89].*|::1) ;; [0-9]*.[0-9]*.[0-9]*.[0-9]*|*:*:*) echo "fake timeout: not reaching $a" >&2; exit 0 ;; esac; done',
      '  "$@"; rc=$?',
      'fi',
      '[ "$reach" = 1 ] && exit 0',
      'exit "$rc"',
    ].join('\n'),
  );
  // Runs a "remote" command as a node would: where a mount namespace can be made, with an empty /etc/corosync of
  // its own (this machine's own corosync.conf would make every node look as if it were in a cluster already).
  stub('fake-node-sh', `if unshare -rm true 2>/dev/null; then exec unshare -rm /bin/sh -c 'mount -t tmpfs cw-fake /etc/corosync 2>/dev/null; exec /bin/sh -c "$1"' fake-node "$1"; fi\nexec /bin/sh -c "$1"`);
  stub(
    'ssh',
    [
      logArgs(sshLog),
      'prev=; last=; for a in "$@"; do prev=$last; last=$a; done',
      `node=$(awk -v h="$prev" '$1 == h { print $2; exit }' '${path.join(dir, 'nodes.map')}')`,
      'CW_FAKE_NODE=$node; export CW_FAKE_NODE',
      'exec fake-node-sh "$last"',
    ].join('\n'),
  );
  const read = (file: string): string[][] => {
    if (!fs.existsSync(file)) return [];
    const calls: string[][] = [];
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i + 2 < lines.length; i += 3) {
      const args = Buffer.from(lines[i + 1]!, 'hex').toString('utf8').split('\0');
      calls.push([lines[i]!, ...args.slice(0, -1)]);
    }
    return calls;
  };
  return {
    bin,
    markerDir,
    reset: (map) => {
      fs.rmSync(state, { recursive: true, force: true });
      fs.mkdirSync(state, { recursive: true });
      if (map) fs.writeFileSync(path.join(dir, 'nodes.map'), Object.entries(map).map(([a, n]) => `${a} ${n}\n`).join(''));
    },
    setAddresses: (addresses) => fs.writeFileSync(addressFile, addresses.map((a) => `${a.replace(/[\r\n]/g, ' ')}\n`).join('')),
    calls: () => read(log),
    sshCalls: () => read(sshLog),
    markers: () => fs.readdirSync(markerDir),
  };
}

// ---------------------------------------------------------------------------------------------
// validate → plan, and a plan made of hostile values

/**
 * accepted: the Proxmox cluster's plan, and the overlays' keys and tunnels plans (public keys as the keys plan
 * reads them back, the workspace's MTU): what `proxmox.planCluster` and `overlay.plan` would build.
 */
export type Verdict = { kind: 'refused'; located: boolean; atField: boolean } | { kind: 'accepted'; plan: Plan; overlayPlans: Plan[]; workspace: Workspace };

/** Public keys as a member's .pub file holds them (fixed, distinct per member). */
const fakePublicKey = (i: number) => `${String.fromCharCode(65 + (i % 26)).repeat(42)}A=`;

/** validate → plan, as `clusterwright validate` and the wizard's proxmox.planCluster do it, from the file's text. */
export function judge(text: string, field: Field): Verdict {
  const parsed = parseWorkspace(text);
  const where = fieldText(field.path);
  const errors = parsed.issues.filter((i) => i.severity === 'error');
  if (!parsed.workspace || errors.length) {
    return { kind: 'refused', located: errors.length > 0 && errors.every((i) => i.path !== '' && i.line !== undefined && i.column !== undefined), atField: errors.some((i) => i.path.startsWith(where) || where.startsWith(i.path)) };
  }
  const findings = validateWorkspace(parsed.workspace, {}).filter((f) => f.severity === 'error' && !f.accepted);
  if (findings.length) return { kind: 'refused', located: findings.every((f) => f.paths.length > 0), atField: findings.some((f) => f.paths.some((p) => p.startsWith(where) || where.startsWith(p))) };
  const ws: Workspace = parsed.workspace;
  const built = clusterPlanFromWorkspace(ws, {}, ws.proxmox!.clusters[0]!.name, { release: '9.1' });
  const overlayPlans = overlaysOf(ws).flatMap(({ name }) => {
    const resolved = overlayToBuild(ws, name);
    const nodes = overlayPlanNodes(ws, resolved);
    const publicKeys = Object.fromEntries(resolved.members.map((m, i) => [m.node, fakePublicKey(i)]));
    return [overlayKeysPlan(resolved, nodes), overlayPlan({ resolved, publicKeys, mtu: resolved.overlay.mtu ?? 1420, nodes })].map((p) => planSchema.parse(p));
  });
  return { kind: 'accepted', plan: planSchema.parse(proxmoxClusterPlan(built.input)), overlayPlans, workspace: ws };
}

/**
 * A plan with hostile values in every text a plan file can hold: its title, step titles and rollback notes,
 * program arguments, a script's environment, a file's path and content (with a secret), API headers, body and
 * the text an API check looks for. Few steps: ansible-playbook takes about a second per step.
 */
export function hostilePlan(root: string, hostile: string[], options: { nodes: PlanInput['nodes']; apiPort?: number }): PlanInput {
  const list = `${root}/values`;
  const [n1, n2 = n1] = Object.keys(options.nodes ?? {});
  return {
    id: 'hostile-plan',
    title: hostile[0]!,
    description: hostile[1]!,
    nodes: options.nodes,
    ...(options.apiPort ? { apis: { svc: { baseUrl: `http://127.0.0.1:${options.apiPort}/api`, headers: { 'x-note': hostile[2]!, authorization: ['Token ', { secretRef: 'db-pass' }, hostile[3]!] } } } } : {}),
    steps: [
      {
        id: 'args',
        title: hostile[4]!,
        target: { node: n1! },
        // Every value as a program argument, written back NUL-separated.
        action: { kind: 'exec', command: { argv: ['sh', '-c', 'mkdir -p -- "${0%/*}" && printf "%s\\0" "$@" > "$0"', `${list}.args`, ...hostile] } },
        precheck: { kind: 'exec', command: { argv: ['test', '-e', `${list}.args`] } },
        rollback: hostile[5]!,
      },
      {
        id: 'env',
        title: hostile[6]!,
        target: { node: n2! },
        // Every value through a script's environment.
        action: { kind: 'exec', command: { sh: `mkdir -p -- "$(dirname -- "$F")" && { ${hostile.map((_, i) => `printf "%s\\0" "$V${i}"`).join('; ')}; } > "$F"`, env: { F: `${list}.env`, ...Object.fromEntries(hostile.map((v, i) => [`V${i}`, v])) } } },
        verify: { kind: 'exec', command: { argv: ['test', '-s', `${list}.env`] } },
        rollback: hostile[7]!,
      },
      {
        id: 'file',
        title: hostile[8]!,
        target: { node: n1! },
        action: { kind: 'upload', path: `${root}/${hostile.length} files`, content: [hostile.join('\n'), { secretRef: 'db-pass' }, hostile[9]!], mode: '0600' },
      },
      ...(options.apiPort ? [{
        id: 'api',
        title: hostile[10]!,
        target: { api: 'svc' },
        action: { kind: 'api', request: { method: 'POST', path: '/x', body: { note: hostile[11]!, list: hostile, password: { secretRef: 'db-pass' } } } },
        verify: { kind: 'api', request: { method: 'GET', path: '/state' }, contains: hostile[12]! },
        dependsOn: ['args', 'env', 'file'],
      }] : []),
    ],
  } as PlanInput;
}

/** The nastiest values a program argument, a file and a header can carry (no NUL, no look-alikes that only test validation). */
export function plannable(values: string[]): string[] {
  return values.filter((v) => !v.includes('\0') && v.length < 200 && !/^(ｐ|р|pve1\u200b|\u202e|\.\.|~|%|#|- |key:)/.test(v));
}
