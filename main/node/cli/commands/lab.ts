// clusterwright lab: start, inspect, shape and remove a multi-site lab of namespace hosts (see main/node/lab).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CwError } from '../../../common/errors.js';
import { defaultLabStateDir, describeLink, loadLabSpec, openLab, startLab, stopLab, type Lab, type LabSpec, type LabStatus, type LinkParams, type LinkStatus, type NetworkIndex } from '../../lab/index.js';
import { defaultSecretStore, SECRETS_PASSPHRASE_ENV, type SecretStore } from '../../secrets/index.js';
import { stackModules } from '../../stacks/registry.js';
import type { StackLab, StackLabStatus } from '../../stacks/types.js';
import type { CliCommand, CliIO } from '../types.js';
import { exitCodes, UsageError } from '../types.js';

const usage = [
  'lab up <file.yml> [--state DIR] [--prefix NAME] [--replace]',
  '       lab down [--state DIR] [--prefix NAME]',
  '       lab status [--state DIR] [--json]',
  '       lab link <siteA> <siteB> <lan|man|wan|internet> [--network 0|1] [--state DIR]',
  '       lab link <siteA> <siteB> --delay MS [--jitter MS] [--loss PCT] [--bandwidth MBIT] [--network 0|1] [--state DIR]',
  '       lab cut <siteA> <siteB> [--network 0|1] [--state DIR]',
  '       lab restore <siteA> <siteB> [--network 0|1] [--state DIR]',
].join('\n');

const common = {
  state: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  replace: { type: 'boolean' },
  network: { type: 'string' },
  delay: { type: 'string' },
  jitter: { type: 'string' },
  loss: { type: 'string' },
  bandwidth: { type: 'string' },
} as const;

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} takes a number ≥ 0, not "${value}".`);
  return n;
}

function networkOf(value: string | undefined): NetworkIndex | undefined {
  if (value === undefined) return undefined;
  if (value !== '0' && value !== '1') throw new UsageError(`--network is 0 (management / corosync link0) or 1 (corosync link1), not "${value}".`);
  return Number(value) as NetworkIndex;
}

/** The stacks' lab parts a lab description asks for, with its section of each. */
function labParts(spec: LabSpec): { lab: StackLab; section: unknown }[] {
  return stackModules.flatMap((m) => {
    const key = m.definition.lab?.key;
    const section = key ? spec.stacks?.[key] : undefined;
    return m.lab && section !== undefined ? [{ lab: m.lab, section }] : [];
  });
}

/** How to run this program's CLI again (the bundle `dist/node/cli.cjs` under Node): what a stack's background process runs. */
export function cliCommand(distDir: string): string[] {
  const entry = path.join(distDir, 'node', 'cli.cjs');
  if (!fs.existsSync(entry)) {
    throw new CwError('MISSING_DEPENDENCY', `The lab's services run in a background \`clusterwright\` process, and its bundle ${entry} is missing. Build it with \`node scripts/build.mjs --node-only\` (npm run lab does).`);
  }
  return [process.execPath, entry];
}

/**
 * The app's secret store for web mode and the CLI (the passphrase-sealed file), opened before anything is started:
 * a stack's lab services keep their credentials there, as the workspace names them by id. Its passphrase comes from
 * the variable, the keychain, or a hidden prompt on this terminal.
 */
async function labSecretStore(spec: LabSpec, titles: string[], io: CliIO): Promise<SecretStore> {
  const store = defaultSecretStore('cli', io.env);
  try {
    await store.ensureOpen?.();
  } catch (error) {
    if (error instanceof CwError && error.code === 'SECRETS_LOCKED') {
      throw new CwError(
        'SECRETS_LOCKED',
        `The lab "${spec.name}" runs ${titles.join(' and ')}, whose credentials go into Clusterwright's secret store (the workspace names them by id). ${error.message} Nothing was started.`,
        error.detail,
      );
    }
    throw error;
  }
  return store;
}

/** The sealed store if it opens without asking (variable, keychain); for cleanup only, so no prompt. */
function optionalSecretStore(io: CliIO): SecretStore {
  return defaultSecretStore('cli', io.env, { prompt: false });
}

/** Starts a stack's lab services in a background process; on failure removes the lab. */
async function startInBackground(lab: Lab, part: { lab: StackLab; section: unknown }, store: SecretStore, command: string[], io: CliIO, prefix: string | undefined): Promise<void> {
  const env = { ...io.env };
  // The background process needs no passphrase: its credentials come on its stdin.
  delete env[SECRETS_PASSPHRASE_ENV];
  try {
    await part.lab.startBackground(lab, part.section, { secrets: store, command, env, log: (line) => io.err(line) });
  } catch (error) {
    io.err(`Removing the lab again, as its ${part.lab.title} did not start.`);
    await stopLab(lab.stateDir, prefix ? { prefix } : {}).catch(() => undefined);
    part.lab.cleanUp?.(lab.prefix);
    throw error;
  }
}

function printStackStatus(status: StackLabStatus, io: CliIO): void {
  for (const line of status.lines) io.out(line);
}

/** What every stack's lab part runs in the background for the lab in `stateDir`. */
async function backgroundStatuses(stateDir: string): Promise<{ key: string; status: StackLabStatus }[]> {
  const out: { key: string; status: StackLabStatus }[] = [];
  for (const m of stackModules) {
    const status = m.lab ? await m.lab.backgroundStatus(stateDir) : undefined;
    if (status) out.push({ key: m.definition.lab?.key ?? m.definition.id, status });
  }
  return out;
}

function printStatus(status: LabStatus, io: CliIO): void {
  io.out(`Lab "${status.name}" (${status.status}, prefix ${status.prefix}, started ${status.startedAt}${status.upMs !== undefined ? `, up in ${(status.upMs / 1000).toFixed(1)} s` : ''})`);
  io.out(`State: ${status.stateDir}   processes ${status.processes.running}/${status.processes.total} running   memory ${status.memoryMiB} MiB`);
  io.out('');
  io.out('Hosts:');
  for (const h of status.hosts) {
    const services = Object.entries(h.services).filter(([, on]) => on).map(([name]) => name);
    io.out(`  ${h.name.padEnd(12)} site ${h.site.padEnd(8)} ${Object.values(h.addresses).join('  ').padEnd(30)} ${h.running ? `running${services.length ? ` (${services.join(', ')})` : ''}` : 'NOT RUNNING'}`);
  }
  io.out('');
  io.out('Links:');
  for (const l of status.links) {
    const [n0, n1] = l.networks;
    const same = n0.description === n1.description && n0.cut === n1.cut;
    const line = (n: LinkStatus) => `${(n.preset ?? 'custom').padEnd(9)} ${n.description}${n.cut ? '  CUT' : ''}`;
    if (same) io.out(`  ${`${l.a} ↔ ${l.b}`.padEnd(20)} ${line(n0)}`);
    else {
      io.out(`  ${`${l.a} ↔ ${l.b}`.padEnd(20)} network 0: ${line(n0)}`);
      io.out(`  ${''.padEnd(20)} network 1: ${line(n1)}`);
    }
  }
}

export const labCommand: CliCommand = {
  name: 'lab',
  summary: 'Run a multi-site test lab on this machine: hosts with real sshd and corosync, shaped links between sites (root, Linux).',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: common, allowPositionals: true, strict: true });
    const [verb, ...rest] = positionals;
    const stateDir = path.resolve(values.state ?? defaultLabStateDir(io.env));
    switch (verb) {
      case 'up': {
        const file = rest[0];
        if (!file || rest.length > 1) throw new UsageError('lab up takes one lab description file, e.g. assets/labs/three-sites.yml.');
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch (error) {
          throw new CwError('NOT_FOUND', `Cannot read the lab description ${file}: ${error instanceof Error ? error.message : String(error)}`);
        }
        const spec = loadLabSpec(text, file);
        const parts = labParts(spec);
        // Checked before anything starts: the store's passphrase and the bundle the background process runs.
        const store = parts.length ? await labSecretStore(spec, parts.map((p) => p.lab.title), io) : undefined;
        const daemonCommand = parts.length ? cliCommand(io.distDir) : undefined;
        // The services of a replaced lab would point at hosts that no longer exist.
        if (values.replace) for (const m of stackModules) await m.lab?.stopBackground(stateDir, { secrets: store ?? optionalSecretStore(io) });
        const lab = await startLab(spec, { stateDir, ...(values.prefix ? { prefix: values.prefix } : {}), replace: Boolean(values.replace), log: (line) => io.err(line) });
        if (store && daemonCommand) for (const part of parts) await startInBackground(lab, part, store, daemonCommand, io, values.prefix);
        io.out(`Lab "${lab.name}" is up (${((lab.upMs ?? 0) / 1000).toFixed(1)} s).`);
        io.out('');
        for (const h of lab.hosts) {
          io.out(`  ${h.name.padEnd(12)} site ${h.site.padEnd(8)} ${Object.entries(h.addresses).map(([n, a]) => `${n} ${a}`).join('   ')}${h.jumpHost ? `   (reach it through ${h.jumpHost})` : ''}`);
        }
        io.out('');
        for (const l of lab.links) io.out(`  ${`${l.a} ↔ ${l.b}`.padEnd(20)} ${(l.networks[0].preset ?? 'custom').padEnd(9)} ${describeLink(l.networks[0].params)}`);
        io.out('');
        io.out(`SSH:        ssh -F ${lab.sshConfigPath} <host>`);
        io.out(`Key:        ${lab.clientKeyPath}`);
        io.out(`Workspace:  ${lab.workspacePath}`);
        io.out(`Stop it:    clusterwright lab down${values.state ? ` --state ${stateDir}` : ''}`);
        for (const { status } of await backgroundStatuses(stateDir)) {
          io.out('');
          printStackStatus(status, io);
          if (status.nextStep) io.out(status.nextStep);
        }
        return exitCodes.ok;
      }
      case 'down': {
        if (rest.length) throw new UsageError('lab down takes no arguments besides --state and --prefix.');
        // Credentials are deleted from the store when it can be opened; otherwise they stay (harmless once the services are gone).
        for (const m of stackModules) {
          const stopped = await m.lab?.stopBackground(stateDir, { secrets: optionalSecretStore(io) });
          if (stopped) io.out(stopped);
        }
        const removed = await stopLab(stateDir, values.prefix ? { prefix: values.prefix } : {});
        io.out(removed.netns.length || removed.interfaces.length ? `Removed the lab in ${stateDir}: ${removed.netns.length} namespaces, ${removed.interfaces.length} interfaces, ${removed.guests} running guests stopped.` : `No lab was running in ${stateDir}.`);
        return exitCodes.ok;
      }
      case 'status': {
        const status = await openLab(stateDir).status();
        const stacks = await backgroundStatuses(stateDir);
        if (values.json) io.out(JSON.stringify({ ...status, ...Object.fromEntries(stacks.map((s) => [s.key, s.status.json])) }, null, 2));
        else {
          printStatus(status, io);
          for (const { status: s } of stacks) {
            io.out('');
            printStackStatus(s, io);
          }
        }
        return status.hosts.every((h) => h.running) && stacks.every((s) => s.status.healthy) ? exitCodes.ok : exitCodes.failed;
      }
      case 'link': {
        const [a, b, preset] = rest;
        if (!a || !b || rest.length > 3) throw new UsageError('lab link takes two sites and a preset (or --delay …).');
        const custom: Partial<LinkParams> = {};
        const delay = num(values.delay, 'delay');
        const jitter = num(values.jitter, 'jitter');
        const loss = num(values.loss, 'loss');
        const bandwidth = num(values.bandwidth, 'bandwidth');
        if (delay !== undefined) custom.delayMs = delay;
        if (jitter !== undefined) custom.jitterMs = jitter;
        if (loss !== undefined) custom.lossPercent = loss;
        if (bandwidth !== undefined) custom.bandwidthMbit = bandwidth;
        if (preset && Object.keys(custom).length) throw new UsageError('Give either a preset or --delay/--jitter/--loss/--bandwidth, not both.');
        if (!preset && !Object.keys(custom).length) throw new UsageError('lab link needs a preset (lan, man, wan, internet) or --delay MS.');
        const network = networkOf(values.network);
        const state = await openLab(stateDir).setLink(a, b, preset ?? custom, network === undefined ? {} : { network });
        const shown = state.networks[network ?? 0];
        io.out(`${a} ↔ ${b}: ${shown.preset ?? 'custom'} (${describeLink(shown.params)})${network === undefined ? '' : ` on network ${network}`}`);
        return exitCodes.ok;
      }
      case 'cut':
      case 'restore': {
        const [a, b] = rest;
        if (!a || !b || rest.length > 2) throw new UsageError(`lab ${verb} takes two sites.`);
        const network = networkOf(values.network);
        const lab = openLab(stateDir);
        const options = network === undefined ? {} : { network };
        if (verb === 'cut') await lab.cut(a, b, options);
        else await lab.restore(a, b, options);
        io.out(`${a} ↔ ${b}: ${verb === 'cut' ? 'cut (100 % loss)' : 'restored'}${network === undefined ? '' : ` on network ${network}`}`);
        return exitCodes.ok;
      }
      default: {
        // Hidden: the background process `lab up` starts for a stack's lab services (its API simulators).
        const hidden = stackModules.map((m) => m.lab?.verbs?.[verb ?? '']).find((v) => v !== undefined);
        if (hidden) {
          const code = await hidden(stateDir, (line) => io.err(line));
          // Whatever the services leave behind (a lingering socket) must not keep this process alive.
          setTimeout(() => process.exit(code), 2_000).unref();
          return code;
        }
        throw new UsageError(verb ? `Unknown lab command "${verb}".` : 'Which lab command? up, down, status, link, cut or restore.');
      }
    }
  },
};
