// The deploy-host fixture: `kolla-ansible` and `kolla-genpwd` stand-ins for lab hosts (Kolla-Ansible itself
// cannot run here: no containers, not in Debian, no PyPI). They RECORD each call (argv, what they found) in the
// host's /root/kolla-stand-in/calls.jsonl and CHECK what they receive like Kolla would before its first play: the
// inventory has Kolla's groups, globals.yml parses (with `!unsafe`) and names its region consistently,
// passwords.yml has no empty value. They print Ansible-like output (PLAY / TASK / ok / changed / PLAY RECAP) and
// fail one task with a message when /root/kolla-stand-in/fail says so. Nothing is deployed.
import fs from 'node:fs';
import path from 'node:path';
import { kollaAnsibleReleases, type KollaSeries } from '../../../../common/stacks/openstack/kolla-ansible-vars.js';

/** Where each host's record and fault file live (/root is private to every lab host). */
export const kollaStandInDir = '/root/kolla-stand-in';

/** One recorded call, as the stand-ins append it to calls.jsonl. */
export interface KollaStandInCall {
  tool: 'kolla-ansible' | 'kolla-genpwd';
  argv: string[];
  host: string;
  /** Nanoseconds since the epoch (orders calls across hosts of one machine). */
  atNs: string;
  command?: string;
  region?: string;
  enableKeystone?: string;
  /** sha256 of keystone_admin_password as the call found it (never the value). */
  keystoneAdminPasswordSha256?: string;
  /** kolla-genpwd: the keys it filled. */
  filled?: string[];
  problems: string[];
  failedTask?: string;
  exitCode: number;
}

const common = String.raw`
import hashlib, json, os, socket, sys, time
import yaml

STATE = ${JSON.stringify(kollaStandInDir)}

class Loader(yaml.SafeLoader):
    pass

# Kolla's globals.yml marks values as data with Ansible's !unsafe tag.
Loader.add_constructor('!unsafe', lambda loader, node: loader.construct_scalar(node))

def record(entry):
    os.makedirs(STATE, exist_ok=True)
    entry.setdefault('host', socket.gethostname())
    entry.setdefault('atNs', str(time.time_ns()))
    with open(os.path.join(STATE, 'calls.jsonl'), 'a', encoding='utf-8') as f:
        f.write(json.dumps(entry) + '\n')

def load_yaml(path):
    with open(path, encoding='utf-8') as f:
        return yaml.load(f, Loader=Loader)

def empty(value):
    if value is None or value == '':
        return True
    if isinstance(value, dict):
        return any(empty(v) for v in value.values())
    return False
`;

function kollaAnsibleScript(tag: string, groups: string[]): string {
  return String.raw`#!/usr/bin/python3
# kolla-ansible stand-in of the Clusterwright lab (records and checks; deploys nothing).
${common}
REQUIRED_GROUPS = ${JSON.stringify(groups)}
COMMANDS = {
    'bootstrap-servers': [('Gather facts for all hosts', ['Gather facts']), ('Apply role baremetal', ['Ensure docker is installed', 'Create kolla user', 'Ensure /etc/hosts lists every host'])],
    'prechecks': [('Gather facts for all hosts', ['Gather facts']), ('Apply role prechecks', ['Checking Docker version', 'Checking empty passwords in passwords.yml', 'Checking free port for Keystone'])],
    'deploy': [('Gather facts for all hosts', ['Gather facts']), ('Apply role common', ['Copying over config.json files for services', 'Check common containers']), ('Apply role nova', ['Copying over nova.conf', 'Check nova containers'])],
    'post-deploy': [('Creating clouds.yaml file on the deploy node', ['Template out clouds.yaml', 'Template out admin-openrc.sh'])],
}

def fail_exit(entry, task, msg, hosts):
    print('fatal: [%s]: FAILED! => %s' % (hosts[0] if hosts else 'localhost', json.dumps({'changed': False, 'msg': msg})), flush=True)
    print('\nPLAY RECAP *********************************************************************')
    for h in hosts or ['localhost']:
        print('%s : ok=0    changed=0    unreachable=0    failed=%d    skipped=0    rescued=0    ignored=0' % (h.ljust(26), 1 if h == (hosts or ['localhost'])[0] else 0))
    entry['failedTask'] = task
    entry['exitCode'] = 2
    record(entry)
    sys.exit(2)

def parse_inventory(path):
    groups, current = {}, None
    for raw in open(path, encoding='utf-8'):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('[') and line.endswith(']'):
            name = line[1:-1]
            children = name.endswith(':children')
            current = name[:-len(':children')] if children else name
            groups.setdefault(current, {'hosts': [], 'children': []})
            groups[current]['mode'] = 'children' if children else 'hosts'
            continue
        if current is not None:
            groups[current][groups[current]['mode']].append(line.split()[0])
    return groups

def main(argv):
    entry = {'tool': 'kolla-ansible', 'argv': argv, 'problems': []}
    if argv == ['--version']:
        print('kolla-ansible ${tag} (Clusterwright lab stand-in)')
        entry['exitCode'] = 0
        record(entry)
        return 0
    if not argv or argv[0] not in COMMANDS:
        print('kolla-ansible: unknown command %r' % (argv[0] if argv else ''), file=sys.stderr)
        entry['exitCode'] = 2
        record(entry)
        return 2
    command = entry['command'] = argv[0]
    opts, i = {}, 1
    while i < len(argv):
        a = argv[i]
        if a in ('-i', '--inventory', '--configdir', '--passwords') and i + 1 < len(argv):
            opts[a.lstrip('-')] = argv[i + 1]
            i += 2
        else:
            print('kolla-ansible: unrecognized argument %r' % a, file=sys.stderr)
            entry['exitCode'] = 2
            record(entry)
            return 2
    inventory = opts.get('i') or opts.get('inventory')
    configdir = opts.get('configdir', '/etc/kolla')
    passwords = opts.get('passwords', os.path.join(configdir, 'passwords.yml'))
    problems = entry['problems']
    hosts = []
    if not inventory or not os.path.isfile(inventory):
        problems.append('the inventory %s does not exist' % inventory)
    else:
        groups = parse_inventory(inventory)
        missing = [g for g in REQUIRED_GROUPS if g not in groups]
        if missing:
            problems.append('the inventory lacks groups: ' + ', '.join(missing))
        hosts = sorted(set(h for g in groups.values() for h in g['hosts'] if h != 'localhost'))
        if not groups.get('control', {}).get('hosts'):
            problems.append('the inventory has no host in group control')
    globals_path = os.path.join(configdir, 'globals.yml')
    try:
        g = load_yaml(globals_path) or {}
        region = entry['region'] = g.get('openstack_region_name')
        entry['enableKeystone'] = g.get('enable_keystone')
        if not region:
            problems.append('globals.yml sets no openstack_region_name')
        if g.get('enable_keystone') == 'yes' and region not in (g.get('multiple_regions_names') or [region]):
            problems.append('multiple_regions_names does not list the region itself')
        if g.get('enable_keystone') == 'no' and not g.get('keystone_internal_url'):
            problems.append('enable_keystone is "no" but keystone_internal_url is not set')
    except Exception as e:
        problems.append('globals.yml does not parse: %s' % e)
    try:
        p = load_yaml(passwords) or {}
        empties = sorted(k for k, v in p.items() if empty(v))
        if empties:
            problems.append('passwords.yml has empty values (run kolla-genpwd): ' + ', '.join(empties[:5]))
        admin = p.get('keystone_admin_password')
        if admin:
            entry['keystoneAdminPasswordSha256'] = hashlib.sha256(str(admin).encode()).hexdigest()
    except Exception as e:
        problems.append('%s does not parse: %s' % (passwords, e))
    fault = None
    fault_file = os.path.join(STATE, 'fail')
    if os.path.exists(fault_file):
        fault = json.load(open(fault_file, encoding='utf-8'))
        if fault.get('command') != command:
            fault = None
    done_file = os.path.join(STATE, 'done-' + command)
    again = os.path.exists(done_file)
    print('%s : ansible-playbook -i %s -e @%s -e @%s site.yml' % (command, inventory, globals_path, passwords), flush=True)
    counts = {h: [0, 0] for h in hosts or ['localhost']}
    for play, tasks in COMMANDS[command]:
        print('\nPLAY [%s] %s' % (play, '*' * 40), flush=True)
        for task in tasks:
            print('\nTASK [%s] %s' % (task, '*' * 40), flush=True)
            time.sleep(0.02)
            if problems and 'Gather facts' not in task:
                fail_exit(entry, task, '; '.join(problems), hosts)
            if fault and fault.get('task') == task:
                fail_exit(entry, task, fault.get('msg', 'the stand-in was told to fail here'), hosts)
            for h in counts:
                changed = not again and 'Gather' not in task and 'Check' not in task
                print('%s: [%s]' % ('changed' if changed else 'ok', h), flush=True)
                counts[h][1 if changed else 0] += 1
    print('\nPLAY RECAP %s' % ('*' * 60))
    for h, (ok, changed) in counts.items():
        print('%s : ok=%d    changed=%d    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0' % (h.ljust(26), ok + changed, changed))
    os.makedirs(STATE, exist_ok=True)
    open(done_file, 'w').close()
    entry['exitCode'] = 0
    record(entry)
    return 0

sys.exit(main(sys.argv[1:]))
`;
}

const genpwdScript = String.raw`#!/usr/bin/python3
# kolla-genpwd stand-in of the Clusterwright lab: fills empty values of passwords.yml (keeps those set), records the call.
${common}
import secrets, tempfile

def fill(value):
    if isinstance(value, dict):
        return {k: fill(v) if empty(v) else v for k, v in value.items()}
    return secrets.token_hex(20)

def main(argv):
    entry = {'tool': 'kolla-genpwd', 'argv': argv, 'problems': []}
    path = '/etc/kolla/passwords.yml'
    i = 0
    while i < len(argv):
        if argv[i] in ('-p', '--passwords') and i + 1 < len(argv):
            path = argv[i + 1]
            i += 2
        else:
            print('kolla-genpwd: unrecognized argument %r' % argv[i], file=sys.stderr)
            entry['exitCode'] = 2
            record(entry)
            return 2
    if not os.path.isfile(path):
        print('kolla-genpwd: %s does not exist' % path, file=sys.stderr)
        entry['exitCode'] = 1
        record(entry)
        return 1
    data = yaml.safe_load(open(path, encoding='utf-8')) or {}
    filled = [k for k, v in data.items() if empty(v)]
    if filled:
        for k in filled:
            data[k] = fill(data[k])
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)))
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            yaml.safe_dump(data, f, default_flow_style=False)
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    entry['filled'] = filled
    entry['exitCode'] = 0
    record(entry)
    return 0

sys.exit(main(sys.argv[1:]))
`;

/** Kolla-Ansible's example passwords.yml for the release: every name, no value. */
export function examplePasswordsYml(release: KollaSeries): string {
  return `---\n${kollaAnsibleReleases[release].passwords.map((name) => `${name}:`).join('\n')}\n`;
}

/**
 * Writes the stand-ins into a lab's bin directory (every host sees it as /usr/local/sbin): a venv-like
 * `kolla-stand-in/{bin,share}` with the example passwords.yml, and `kolla-ansible` / `kolla-genpwd` links to it.
 */
export function installKollaStandIns(binDir: string, release: KollaSeries = '2026.1'): string[] {
  const facts = kollaAnsibleReleases[release];
  const root = path.join(binDir, 'kolla-stand-in');
  const groups = ['control', 'network', 'compute', 'monitoring', 'storage', 'deployment', 'baremetal', 'loadbalancer', 'mariadb', 'rabbitmq', 'keystone', 'nova', 'neutron'].filter((g) => facts.inventory.groups.includes(g));
  const files: [string, string, number][] = [
    [path.join(root, 'bin', 'kolla-ansible'), kollaAnsibleScript(facts.tag, groups), 0o755],
    [path.join(root, 'bin', 'kolla-genpwd'), genpwdScript, 0o755],
    [path.join(root, 'share', 'kolla-ansible', 'etc_examples', 'kolla', 'passwords.yml'), examplePasswordsYml(release), 0o644],
  ];
  const written: string[] = [];
  for (const [file, content, mode] of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, content, { mode });
    fs.chmodSync(`${file}.tmp`, mode);
    fs.renameSync(`${file}.tmp`, file);
    written.push(file);
  }
  for (const tool of ['kolla-ansible', 'kolla-genpwd']) {
    const link = path.join(binDir, tool);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.join('kolla-stand-in', 'bin', tool), link);
    written.push(link);
  }
  return written;
}
