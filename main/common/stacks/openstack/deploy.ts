// The deploy of the generated Kolla-Ansible files as an engine plan (pure): per region, on its deploy host, the
// Keystone region first — the tools checked, globals.yml / multinode / the overrides written atomically, passwords
// generated on the host by kolla-genpwd with the one keystone_admin_password of every region set from the secret
// store (through a file written over stdin: never on a command line), then bootstrap-servers, prechecks, deploy and
// post-deploy, each a separate step whose Ansible output the stack's executor reads. Workspace values reach commands
// only as argument-vector words and files only through the generator (which writes them as `!unsafe` data).
import { CwError } from '../../errors.js';
import type { PlanInput, PlanNode, StepInput } from '../../plan/schema.js';
import type { Workspace } from '../../workspace/schema.js';
import { kollaAnsibleReleases } from './kolla-ansible-vars.js';
import { generateKolla, kollaPlanFromWorkspace, type KollaChoices, type KollaRegionFiles } from './kolla.js';

/** The kolla-ansible commands the deploy runs, in order. */
export const kollaCommands = ['bootstrap-servers', 'prechecks', 'deploy', 'post-deploy'] as const;
export type KollaCommand = (typeof kollaCommands)[number];

/** The file beside passwords.yml holding the shared admin password (mode 0600), from which passwords.yml is set. */
export const adminPasswordFileName = '.clusterwright-keystone-admin-password';

export interface DeployRegion {
  region: string;
  keystone: boolean;
  deployHost: string;
  /** How the app reaches the deploy host. */
  address: string;
  files: string[];
}

export interface DeployPlanAnswer {
  plan: PlanInput;
  regions: DeployRegion[];
  notes: string[];
}

/** A step id part from a region name (already a name: letters, digits, . _ -). */
export const regionSlug = (name: string) => name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');

/** What each kolla-ansible command does to the hosts, for the step's title and its destructive flag. */
const commandFacts: Record<KollaCommand, { destructive: boolean; what: string; timeoutMs: number }> = {
  'bootstrap-servers': { destructive: true, what: 'installs Docker and host packages, adds the kolla user and group, edits /etc/hosts on every host of the region', timeoutMs: 3_600_000 },
  prechecks: { destructive: false, what: 'checks ports, interfaces and versions on every host; changes nothing', timeoutMs: 1_800_000 },
  deploy: { destructive: true, what: 'pulls images and (re)starts the containers of every service; services whose configuration changed restart', timeoutMs: 7_200_000 },
  'post-deploy': { destructive: false, what: 'writes admin-openrc.sh and clouds.yaml into the config dir', timeoutMs: 1_800_000 },
};

/** Fails with "kolla-ansible is not installed" naming the release to install; else prints the versions. */
export function toolsScript(tag: string, series: string): string {
  const install = `Install Kolla-Ansible ${series} (${tag}) on this deploy host, e.g. python3 -m venv /opt/kolla && /opt/kolla/bin/pip install kolla-ansible==${tag} && /opt/kolla/bin/kolla-ansible install-deps, with its bin directory on root's PATH`;
  return [
    'for tool in kolla-ansible kolla-genpwd; do',
    `  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is not installed (not on PATH). ${install.replace(/["$`\\]/g, '')}." >&2; exit 127; }`,
    'done',
    'kolla-ansible --version',
  ].join('\n');
}

/** Copies Kolla-Ansible's example passwords.yml to $1 unless it exists (searched where pip, a venv or a package put it). */
export const passwordsFileScript = [
  'set -eu',
  'p=$1',
  'test -s "$p" && exit 0',
  'bin=$(command -v kolla-ansible)',
  'venv=$(dirname -- "$(dirname -- "$(readlink -f -- "$bin")")")',
  'for d in "$venv/share/kolla-ansible" /usr/local/share/kolla-ansible /usr/share/kolla-ansible; do',
  '  if test -f "$d/etc_examples/kolla/passwords.yml"; then',
  '    mkdir -p -- "$(dirname -- "$p")"',
  '    install -m 0640 -- "$d/etc_examples/kolla/passwords.yml" "$p"',
  '    echo "copied $d/etc_examples/kolla/passwords.yml"',
  '    exit 0',
  '  fi',
  'done',
  'echo "Kolla-Ansible\'s example passwords.yml was not found under $venv/share/kolla-ansible, /usr/local/share/kolla-ansible or /usr/share/kolla-ansible: copy it to $p by hand (it ships in etc_examples/kolla/)." >&2',
  'exit 1',
].join('\n');

/**
 * Sets keystone_admin_password in passwords.yml ($1) to the content of the 0600 file $2, writing a temp file and
 * renaming it only when the value differs; `--check` as first argument: exit 0 when it already holds. The value is
 * written as a YAML double-quoted scalar (JSON's escapes) and never printed.
 */
export const adminPasswordScript = [
  'import json, os, sys, tempfile',
  'try:',
  '    import yaml',
  'except ImportError:',
  '    yaml = None',
  '',
  'def current_value(text):',
  '    # PyYAML when the python3 on PATH has it (a deploy host with Kolla-Ansible in a venv may not); else the line itself.',
  '    if yaml is not None:',
  '        data = yaml.safe_load(text) if text else None',
  "        return data.get('keystone_admin_password') if isinstance(data, dict) else None",
  '    for l in text.splitlines():',
  "        if l.startswith('keystone_admin_password:'):",
  "            v = l.split(':', 1)[1].strip()",
  '            try:',
  '                return json.loads(v) if v.startswith(\'"\') else v',
  '            except ValueError:',
  '                return v',
  '    return None',
  '',
  'args = sys.argv[1:]',
  "check = bool(args) and args[0] == '--check'",
  'if check: args = args[1:]',
  'passwords, source = args',
  'secret = open(source, encoding="utf-8").read()',
  'text = open(passwords, encoding="utf-8").read() if os.path.exists(passwords) else ""',
  'if current_value(text) == secret: sys.exit(0)',
  'if check: sys.exit(1)',
  "line = 'keystone_admin_password: ' + json.dumps(secret, ensure_ascii=False)",
  'lines = text.splitlines()',
  "hits = [i for i, l in enumerate(lines) if l.startswith('keystone_admin_password:')]",
  'if hits: lines[hits[0]] = line',
  'else: lines.append(line)',
  'd = os.path.dirname(os.path.abspath(passwords))',
  "fd, tmp = tempfile.mkstemp(dir=d, prefix='.passwords.yml.cw-')",
  'try:',
  "    with os.fdopen(fd, 'w', encoding='utf-8') as f: f.write('\\n'.join(lines) + '\\n')",
  '    os.chmod(tmp, os.stat(passwords).st_mode & 0o7777 if os.path.exists(passwords) else 0o640)',
  '    os.replace(tmp, passwords)',
  'except BaseException:',
  '    os.unlink(tmp)',
  '    raise',
  "print('keystone_admin_password set from the shared value')",
].join('\n');

const configDirPattern = /^\/[A-Za-z0-9._/-]*$/;

function located(path: string, message: string): CwError {
  return new CwError('INVALID_INPUT', `${path}: ${message}`, { field: path });
}

/** Where the app reaches a workspace node over SSH: its ssh.host, else its address on the region's management network, else its only address. */
function nodeAddress(workspace: Workspace, name: string, managementNetwork: string | undefined): string | undefined {
  const node = workspace.nodes.find((n) => n.name === name);
  if (!node) return undefined;
  if (node.ssh?.host) return node.ssh.host;
  const addresses = Object.values(node.addresses);
  return (managementNetwork ? node.addresses[managementNetwork] : undefined) ?? (addresses.length === 1 ? addresses[0] : undefined);
}

/**
 * The deploy plan of every workspace region. Throws INVALID_INPUT naming the field when the region plan, a deploy
 * host or the shared admin password's secret is missing or wrong.
 */
export function kollaDeployPlan(workspace: Workspace, choices: KollaChoices): DeployPlanAnswer {
  const section = workspace.openstack;
  const regions = section?.regions ?? [];
  if (!regions.length) throw located('openstack.regions', 'the workspace has no OpenStack region to deploy.');
  const configDir = (choices.configDir ?? '/etc/kolla').replace(/\/+$/, '') || '/';
  if (!configDirPattern.test(configDir) || configDir.split('/').includes('..') || configDir === '/') {
    throw located('configDir', `"${configDir}" is not a config dir Kolla-Ansible can use: an absolute path of letters, digits, ".", "_", "-" and "/" (not / itself, no "..").`);
  }
  const keystone = section?.keystone;
  const secret = keystone?.passwordSecret;
  if (!keystone || !secret) {
    throw located('openstack.keystone.passwordSecret', "the deploy sets every region's keystone_admin_password to the shared Keystone's admin password, and the workspace names no stored password for it. Save the login to the shared Keystone (user admin, its password) in the wizard's first step.");
  }
  if (keystone.username !== 'admin') {
    throw located('openstack.keystone.username', `the deploy sets Kolla's keystone_admin_password (the password of Keystone's user "admin") from this login's password, but the login is user "${keystone.username}". Use the admin user's login for the deploy.`);
  }
  const { plan: kolla, issues } = kollaPlanFromWorkspace(workspace, { ...choices, configDir });
  if (!kolla) throw new CwError('INVALID_INPUT', `The Kolla-Ansible files cannot be generated: ${issues.map((i) => `${i.path}: ${i.message}`).join(' ')}`, { issues });
  const files = generateKolla(kolla);
  const release = kollaAnsibleReleases[choices.release];
  const keystoneRegion = regions.find((r) => r.keystone);
  const ordered = keystoneRegion ? [keystoneRegion, ...regions.filter((r) => r !== keystoneRegion)] : regions;

  const nodes: Record<string, PlanNode> = {};
  const steps: StepInput[] = [];
  const answerRegions: DeployRegion[] = [];
  const inventory = `${configDir}/multinode`;
  const passwords = `${configDir}/passwords.yml`;
  const adminFile = `${configDir}/${adminPasswordFileName}`;
  let previousLast: string | undefined;
  for (const region of ordered) {
    const index = regions.indexOf(region);
    const field = `openstack.regions[${index}].deployHost`;
    const host = region.deployHost ?? region.controllers[0];
    if (!host) throw located(field, `region ${region.name} has no controller and names no deploy host: set deployHost to the node kolla-ansible runs on.`);
    const node = workspace.nodes.find((n) => n.name === host);
    if (!node) throw located(region.deployHost ? field : `openstack.regions[${index}].controllers[0]`, `the deploy host ${host} of region ${region.name} is not a node of the workspace (nodes: ${workspace.nodes.map((n) => n.name).join(', ') || 'none'}).`);
    const address = nodeAddress(workspace, host, region.managementNetwork);
    if (!address) throw located(`nodes[${workspace.nodes.indexOf(node)}]`, `the app cannot tell how to reach ${host}, the deploy host of region ${region.name}: give it an ssh.host or an address on ${region.managementNetwork ?? 'the management network (set the region\'s managementNetwork)'}.`);
    const already = nodes[host];
    if (already && !('local' in already) && already.address !== address) throw located(field, `${host} is reached at two addresses.`);
    nodes[host] = { address, port: node.ssh?.port ?? 22, user: node.ssh?.user ?? 'root' };

    const f: KollaRegionFiles = files.find((x) => x.region === region.name)!;
    const s = regionSlug(region.name);
    const id = (part: string) => `deploy-${s}-${part}`;
    const target = { node: host };
    // The target column shows the host; the title says which region.
    const where = region.name;
    const tools = id('tools');
    steps.push({
      id: tools,
      title: `${where}: kolla-ansible and kolla-genpwd are installed (kolla-ansible --version)`,
      target,
      action: { kind: 'exec', command: { argv: ['sh', '-c', toolsScript(release.tag, choices.release)] } },
      idempotent: true,
      timeoutMs: 60_000,
      ...(previousLast ? { dependsOn: [previousLast] } : {}),
    });
    const uploads: [string, string, string][] = [
      [id('globals'), `${configDir}/globals.yml`, f.globalsYml],
      [id('inventory'), inventory, f.multinode],
      ...Object.entries(f.overrides).map(([rel, text]): [string, string, string] => [id(`override-${regionSlug(rel.replace(/^config\//, '').replace(/\.conf$/, ''))}`), `${configDir}/${rel}`, text]),
    ];
    for (const [stepId, path, content] of uploads) {
      steps.push({
        id: stepId,
        title: `${where}: write ${path}`,
        target,
        action: { kind: 'upload', path, content, mode: '0640' },
        rollback: `Restore ${path} on ${host} from a backup, or remove it if it was new.`,
        idempotent: true,
        timeoutMs: 60_000,
        dependsOn: [tools],
      });
    }
    const passwordsFile = id('passwords-file');
    steps.push({
      id: passwordsFile,
      title: `${where}: ${passwords} exists (Kolla-Ansible's example copied if absent)`,
      target,
      action: { kind: 'exec', command: { argv: ['sh', '-c', passwordsFileScript, 'sh', passwords] } },
      precheck: { kind: 'exec', command: { argv: ['test', '-s', passwords] } },
      idempotent: true,
      timeoutMs: 60_000,
      dependsOn: [tools],
    });
    const genpwd = id('genpwd');
    steps.push({
      id: genpwd,
      title: `${where}: kolla-genpwd fills the empty passwords of ${passwords} (values already set are kept)`,
      target,
      action: { kind: 'exec', command: { argv: ['kolla-genpwd', '--passwords', passwords] } },
      idempotent: true,
      timeoutMs: 120_000,
      dependsOn: [passwordsFile],
    });
    const adminUpload = id('admin-password-file');
    steps.push({
      id: adminUpload,
      title: `${where}: the shared keystone_admin_password into ${adminFile} (mode 0600, sent over stdin)`,
      target,
      action: { kind: 'upload', path: adminFile, content: { secretRef: secret }, mode: '0600' },
      rollback: `Remove ${adminFile} on ${host}.`,
      idempotent: true,
      timeoutMs: 60_000,
      dependsOn: [tools],
    });
    const adminSet = id('admin-password');
    steps.push({
      id: adminSet,
      title: `${where}: keystone_admin_password in ${passwords} is the shared Keystone's (read from ${adminFile})`,
      target,
      action: { kind: 'exec', command: { argv: ['python3', '-c', adminPasswordScript, passwords, adminFile] } },
      precheck: { kind: 'exec', command: { argv: ['python3', '-c', adminPasswordScript, '--check', passwords, adminFile] } },
      idempotent: true,
      timeoutMs: 60_000,
      dependsOn: [genpwd, adminUpload],
    });
    let previous = [adminSet, ...uploads.map(([stepId]) => stepId)];
    for (const command of kollaCommands) {
      const facts = commandFacts[command];
      const stepId = id(command);
      steps.push({
        id: stepId,
        title: `${where}: kolla-ansible ${command} (${facts.what}; re-runnable)`,
        target,
        action: { kind: 'stack', stack: 'openstack', op: 'kolla-ansible', args: { region: region.name, command, inventory, configDir, node: host } },
        destructive: facts.destructive,
        // Kolla's plays converge: running one again does what is still missing.
        idempotent: true,
        timeoutMs: facts.timeoutMs,
        ...(command === 'bootstrap-servers' ? { rollback: 'Kolla-Ansible has no undo for bootstrap-servers: remove the packages, the kolla user and the /etc/hosts entries it added by hand.' } : {}),
        ...(command === 'deploy' ? { rollback: `kolla-ansible destroy -i ${inventory} --yes-i-really-really-mean-it removes the region's containers and volumes (data is lost).` } : {}),
        dependsOn: previous,
      });
      previous = [stepId];
    }
    previousLast = previous[0];
    answerRegions.push({ region: region.name, keystone: region.keystone, deployHost: host, address, files: uploads.map(([, path]) => path).concat(passwords) });
  }
  const names = ordered.map((r) => r.name);
  const notes = [
    `Regions are deployed one after the other, ${keystoneRegion ? `${keystoneRegion.name} (Keystone) first` : 'in workspace order'}: ${names.join(' → ')}.`,
    `Every region's keystone_admin_password is set to the shared Keystone's admin password from the secret store (${secret}); it travels to each deploy host over SSH's stdin into ${adminFile} (mode 0600) and never appears on a command line, in a log or in this plan.`,
    'kolla-genpwd generates the other passwords on each deploy host and keeps values already set; copy the *_keystone_password values of the Keystone region into the other regions\' passwords.yml when their services must log in to the shared Keystone.',
    'bootstrap-servers and deploy change the hosts (packages, users, containers): approve them explicitly. Kolla\'s plays are re-runnable; a failed step resumes where it stopped.',
  ];
  return {
    plan: { id: 'openstack-kolla-deploy', title: `Deploy ${names.length} OpenStack region${names.length === 1 ? '' : 's'} with Kolla-Ansible ${choices.release}`, nodes, steps },
    regions: answerRegions,
    notes,
  };
}
