// What each CLI command is called, does and takes: the help lists these without loading any command.
import { SECRETS_PASSPHRASE_ENV } from '../../secrets/passphrase-env.js';

export interface CommandInfo {
  name: string;
  summary: string;
  usage: string;
}

/** In the order the help lists them. */
export const commandInfo = {
  info: {
    name: 'info',
    summary: 'Show the version, platform, workspace folder and whether the desktop window can open.',
    usage: 'info [--json] [--workspace DIR]',
  },
  serve: {
    name: 'serve',
    summary: 'Start web mode on 127.0.0.1 without opening a browser; prints the URL with its token.',
    usage: 'serve [--port N] [--workspace DIR]',
  },
  start: {
    name: 'start',
    summary: 'Open the desktop window, or web mode in a browser where the Electron binary is missing.',
    usage: 'start [--web] [--no-open] [--port N] [--workspace DIR]',
  },
  lab: {
    name: 'lab',
    summary: 'Run a multi-site test lab on this machine: hosts with real sshd and corosync, shaped links between sites (root, Linux).',
    usage: [
  'lab up <file.yml> [--state DIR] [--prefix NAME] [--replace]',
  '       lab down [--state DIR] [--prefix NAME]',
  '       lab status [--state DIR] [--json]',
  '       lab link <siteA> <siteB> <lan|man|wan|internet> [--network 0|1] [--state DIR]',
  '       lab link <siteA> <siteB> --delay MS [--jitter MS] [--loss PCT] [--bandwidth MBIT] [--network 0|1] [--state DIR]',
  '       lab cut <siteA> <siteB> [--network 0|1] [--state DIR]',
  '       lab restore <siteA> <siteB> [--network 0|1] [--state DIR]',
].join('\n'),
  },
  validate: {
    name: 'validate',
    summary: 'Check a workspace file: schema, references and the stack rules against the measured latencies. Exit 0 clean, 1 warnings, 2 errors.',
    usage: 'validate <workspace file or folder> [--json]',
  },
  latency: {
    name: 'latency',
    summary: 'Measure the latency matrix of a workspace (ping from every node to every peer on every network) and store it beside the file.',
    usage: 'latency <workspace file or folder> [--json] [--network NAME]... [--node NAME]... [--count N] [--concurrency N] [--accept-new] [--local]',
  },
  plan: {
    name: 'plan',
    summary: 'Preview a plan file: every command, API call and file diff (read live); or export it.',
    usage: 'plan <planfile> [--json] [--accept-new] [--export shell|ansible [--out DIR]] [--workspace DIR]',
  },
  apply: {
    name: 'apply',
    summary: 'Run a plan file; destructive steps need --approve-destructive. Exit 0 done, 1 failed, 3 unreachable, 4 host key or login.',
    usage: 'apply <planfile> [--approve-destructive] [--accept-new] [--json] [--workspace DIR]',
  },
  resume: {
    name: 'resume',
    summary: 'Continue an unfinished run: re-check every unfinished step, then run what is left.',
    usage: 'resume <run-id|journal.jsonl> [--rerun STEP]... [--accept-new] [--json] [--workspace DIR]',
  },
  status: {
    name: 'status',
    summary: 'Show runs and their steps from the journals (newest first), or one run.',
    usage: 'status [run-id] [--json] [--workspace DIR]',
  },
  drill: {
    name: 'drill',
    summary: 'Failover drill: predict a site or link loss; --run cuts it in the lab (or guides you on real clusters) and saves a report.',
    usage: 'drill (--site SITE | --link A,B) [--run [--approve-destructive]] [--observe SECONDS] [--json] [--workspace DIR] | drill --reports [--json] [--workspace DIR]',
  },
  overlay: {
    name: 'overlay',
    summary: 'WireGuard overlays between sites: list them, preview their plans, build them (keys generated on the nodes), read their tunnels.',
    usage: 'overlay list|plan|apply|status <workspace file or folder> [NAME] [--tunnels] [--throughput SEC] [--json] [--accept-new] [--workspace DIR]',
  },
  exec: {
    name: 'exec',
    summary: 'Run a command on workspace nodes in parallel over SSH, with per-node output and exit codes.',
    usage: 'exec <workspace> <node,…|site:NAME|all> [--timeout SEC] [--max-parallel N] [--accept-new] [--json [--max-output BYTES]] -- <command…>',
  },
  hostkeys: {
    name: 'hostkeys',
    summary: 'List the host keys Clusterwright trusts by itself (pinned, and a running lab\'s own hosts), or forget a pinned one (recorded in the audit log).',
    usage: ['hostkeys list [--json] [--workspace DIR]', '       hostkeys forget HOST[:PORT] [--type KEYTYPE] [--json] [--workspace DIR]'].join('\n'),
  },
  secrets: {
    name: 'secrets',
    summary: `List, add or delete secrets in the sealed store web mode and the CLI share (its passphrase is asked on a terminal, or taken from ${SECRETS_PASSPHRASE_ENV}); workspaces name them by id.`,
    usage: ['secrets list [--json]', '       secrets put --label TEXT [--kind password|passphrase|privateKey|token|other]   (the value on stdin)', '       secrets delete <id>'].join('\n'),
  },
} as const satisfies Record<string, CommandInfo>;
