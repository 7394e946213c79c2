// The overlay as engine plans: (1) tools and keys — each member checks for WireGuard and generates its
// own key pair, the private key never leaving the node; (2) the tunnels — configuration written
// atomically with mode 0600, the interface brought up (or changed in place), handshakes, pings and the
// MTU verified. Every step has a precheck, so a second run changes nothing. Pure: builds data only.
import { CwError } from '../../common/errors.js';
import { CONFIG_MARKER, memberConfig, overlayPaths, runningSignature, wireguardDir, type MemberConfigInput } from '../../common/overlay/config.js';
import type { ResolvedOverlay } from '../../common/overlay/model.js';
import { PING_HEADERS } from '../../common/overlay/mtu.js';
import { parseIp } from '../../common/workspace/ip.js';
import type { z } from 'zod';
import type { PlanInput, PlanNode, planNodeSchema, StepInput } from '../../common/plan/schema.js';
import { shellQuote as q } from '../ssh/shell-quote.js';

/** How the plans reach each member: an SSH address (port 22 and root by default), or this machine. */
export type OverlayPlanNodes = Record<string, z.input<typeof planNodeSchema>>;

const sh = (text: string): { sh: string } => ({ sh: text });
/** A check: the script's exit status 0 means yes. */
const check = (text: string) => ({ kind: 'exec' as const, command: sh(text) });
const fail = (text: string) => `{ echo ${q(text)} >&2; exit 1; }`;

/** Exit 0 when wg, wg-quick, ip and a WireGuard implementation (kernel module, or wireguard-go with a tun device) are present. */
export function toolsPresentCheck(): string {
  return [
    'command -v wg >/dev/null 2>&1',
    'command -v wg-quick >/dev/null 2>&1',
    'command -v ip >/dev/null 2>&1',
    '{ [ -e /sys/module/wireguard ] || modinfo wireguard >/dev/null 2>&1 || { command -v wireguard-go >/dev/null 2>&1 && [ -c /dev/net/tun ]; }; }',
  ].join(' && ');
}

function toolsDiagnosis(node: string): string {
  return [
    "missing=''",
    'command -v wg >/dev/null 2>&1 || missing="$missing, wg (wireguard-tools)"',
    'command -v wg-quick >/dev/null 2>&1 || missing="$missing, wg-quick (wireguard-tools)"',
    'command -v ip >/dev/null 2>&1 || missing="$missing, ip (iproute2)"',
    'if [ -e /sys/module/wireguard ] || modinfo wireguard >/dev/null 2>&1; then impl=kernel',
    'elif command -v wireguard-go >/dev/null 2>&1 && [ -c /dev/net/tun ]; then impl=wireguard-go',
    'else missing="$missing, a WireGuard implementation (the kernel module, or wireguard-go and /dev/net/tun)"; fi',
    `if [ -n "$missing" ]; then echo ${q(`${node} lacks`)}"\${missing#,}"${q('. Install them (Debian: apt-get install wireguard-tools; where the kernel has no WireGuard module also wireguard-go) and run the plan again.')} >&2; exit 1; fi`,
    `echo ${q(`WireGuard on ${node}:`)} "$impl"`,
  ].join('\n');
}

/** Exit 0 when the node holds a valid private key (mode 0600, directory 0700) and the public key file matches it. */
export function keyPresentCheck(iface: string): string {
  const p = overlayPaths(iface);
  return `[ -s ${q(p.key)} ] && [ "$(stat -c %a ${q(p.key)})" = 600 ] && [ "$(stat -c %a ${q(wireguardDir)})" = 700 ] && pub=$(wg pubkey < ${q(p.key)} 2>/dev/null) && [ -n "$pub" ] && [ "$pub" = "$(cat ${q(p.publicKey)} 2>/dev/null)" ]`;
}

/** Generates the key pair on the node: the private key is written by `wg genkey` straight into a 0600 file and never printed. */
function generateKeyScript(iface: string): string {
  const p = overlayPaths(iface);
  return [
    'set -eu',
    'umask 077',
    `d=${q(wireguardDir)}; k=${q(p.key)}; pub=${q(p.publicKey)}`,
    'mkdir -p "$d" && chmod 700 "$d"',
    'if [ -e "$k" ]; then',
    `  wg pubkey < "$k" >/dev/null 2>&1 || ${fail(`${p.key} exists but holds no WireGuard private key; move it away (it is not overwritten) and run the plan again.`)}`,
    'else',
    '  t="$d/.$(basename "$k").cw-$$"',
    `  trap 'rm -f "$t"' EXIT`,
    '  wg genkey > "$t"',
    '  sync "$t" && mv -f "$t" "$k" && trap - EXIT && sync "$d"',
    'fi',
    'chmod 600 "$k"',
    't="$d/.$(basename "$pub").cw-$$"',
    'wg pubkey < "$k" > "$t" && chmod 644 "$t" && sync "$t" && mv -f "$t" "$pub" && sync "$d"',
    'echo "public key: $(cat "$pub")"',
  ].join('\n');
}

/** The plan that checks the tools and generates each member's key pair on the member itself. */
export function overlayKeysPlan(resolved: ResolvedOverlay, nodes: OverlayPlanNodes): PlanInput {
  const steps: StepInput[] = [];
  for (const m of resolved.members) {
    steps.push({
      id: `tools-${m.node}`,
      title: `Check WireGuard tools on ${m.node}`,
      target: { node: m.node },
      action: { kind: 'exec', command: sh(toolsDiagnosis(m.node)) },
      precheck: check(toolsPresentCheck()),
      timeoutMs: 30_000,
    });
    steps.push({
      id: `keys-${m.node}`,
      title: `Generate ${m.node}'s WireGuard key pair on ${m.node} (the private key stays there)`,
      target: { node: m.node },
      action: { kind: 'exec', command: sh(generateKeyScript(resolved.interface)) },
      precheck: check(keyPresentCheck(resolved.interface)),
      verify: check(keyPresentCheck(resolved.interface)),
      rollback: `On ${m.node}: rm ${overlayPaths(resolved.interface).key} ${overlayPaths(resolved.interface).publicKey} (peers then need the new public key).`,
      dependsOn: [`tools-${m.node}`],
      timeoutMs: 30_000,
    });
  }
  return { id: `overlay-${resolved.overlay.name}-keys`, title: `Overlay ${resolved.overlay.name}: WireGuard tools and keys on ${resolved.members.length} nodes`, nodes: planNodesFor(resolved, nodes), limits: { global: 8, perTarget: 2 }, steps };
}

function planNodesFor(resolved: ResolvedOverlay, nodes: OverlayPlanNodes): Record<string, PlanNode> {
  const out: Record<string, PlanNode> = {};
  for (const m of resolved.members) {
    const n = nodes[m.node];
    if (!n) throw new CwError('INVALID_INPUT', `The overlay plan does not know how to reach ${m.node}: give its SSH target.`);
    out[m.node] = 'local' in n ? { local: true } : { address: n.address, port: n.port ?? 22, user: n.user ?? 'root' };
  }
  return out;
}

/** Exit 0 when the file holds exactly `content` with mode 0600. */
export function fileHolds(path: string, content: string): string {
  return `[ "$(stat -c %a ${q(path)} 2>/dev/null)" = 600 ] && printf '%s' ${q(content)} | cmp -s - ${q(path)}`;
}

/** Writes a file atomically (temp file, fsync, rename, directory fsync) with mode 0600, refusing to replace a file Clusterwright did not write. */
export function writeOwnFile(path: string, content: string): string {
  return [
    'set -eu',
    'umask 077',
    `f=${q(path)}`,
    'd=$(dirname "$f")',
    'mkdir -p "$d"',
    `if [ -e "$f" ] && ! head -n 1 "$f" | grep -qF ${q(CONFIG_MARKER)}; then ${fail(`${path} exists and was not written by Clusterwright; it is left alone. Choose another interface for the overlay (overlays[].interface) or move the file away.`)}; fi`,
    't="$d/.$(basename "$f").cw-$$"',
    `trap 'rm -f "$t"' EXIT`,
    `printf '%s' ${q(content)} > "$t"`,
    'chmod 600 "$t" && sync "$t" && mv -f "$t" "$f" && trap - EXIT && sync "$d"',
  ].join('\n');
}

/** Exit 0 when the running interface matches the configuration on disk, which is the one last brought up. */
export function runningCheck(iface: string, signature: string[]): string {
  const p = overlayPaths(iface);
  const collect = [
    `printf 'pub %s\\n' "$(wg show "$i" public-key)"`,
    `printf 'port %s\\n' "$(wg show "$i" listen-port)"`,
    `ip -o link show dev "$i" | sed -n 's/.* mtu \\([0-9][0-9]*\\) .*/mtu \\1/p'`,
    `ip -o addr show dev "$i" scope global | awk '{ print "addr " $4 }'`,
    `wg show "$i" allowed-ips | awk '{ for (f = 2; f <= NF; f++) if ($f != "(none)") print "allowed " $1 " " $f }'`,
    `wg show "$i" persistent-keepalive | awk '{ print "keepalive " $1 " " $2 }'`,
  ].join('; ');
  return [
    `i=${q(iface)}`,
    `[ "$(sha256sum < ${q(p.config)} | cut -d' ' -f1)" = "$(cat ${q(p.stamp)} 2>/dev/null)" ] || exit 1`,
    `have=$( { ${collect}; } 2>/dev/null | LC_ALL=C sort)`,
    `[ "$have" = ${q(signature.join('\n'))} ]`,
  ].join('\n');
}

function upScript(iface: string, mtu: number, addresses: string[]): string {
  const p = overlayPaths(iface);
  const wanted = addresses.join(' ');
  return [
    'set -eu',
    `i=${q(iface)}`,
    `mkdir -p ${q(p.stamp.replace(/\/[^/]+$/, ''))}`,
    'if [ ! -e /sys/module/wireguard ] && ! modprobe wireguard 2>/dev/null; then',
    '  WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go; export WG_QUICK_USERSPACE_IMPLEMENTATION',
    '  echo "no WireGuard kernel module: the userspace wireguard-go runs the interface"',
    'fi',
    'if ip link show dev "$i" >/dev/null 2>&1; then',
    '  echo "$i is up: applying the new configuration in place (the tunnels stay up)"',
    `  t=${q(p.stamp.replace(/\/[^/]+$/, ''))}/.$i.strip.$$`,
    `  trap 'rm -f "$t"' EXIT`,
    '  (umask 077; wg-quick strip "$i" > "$t")',
    '  wg syncconf "$i" "$t"',
    `  wg set "$i" private-key ${q(p.key)}`,
    `  ip link set dev "$i" mtu ${mtu} up`,
    `  for a in ${addresses.map(q).join(' ')}; do ip address replace "$a" dev "$i"; done`,
    `  ip -o addr show dev "$i" scope global | awk '{ print $4 }' | while read -r a; do case ${q(` ${wanted} `)} in *" $a "*) ;; *) ip address del "$a" dev "$i" ;; esac; done`,
    'elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then',
    '  systemctl enable "wg-quick@$i"',
    '  systemctl restart "wg-quick@$i"',
    'else',
    '  wg-quick up "$i"',
    'fi',
    `sha256sum < ${q(p.config)} | cut -d' ' -f1 > ${q(p.stamp)}`,
  ].join('\n');
}

/** Pings every peer across the tunnel, checks a recent handshake with every direct peer, and sends full-MTU packets with don't-fragment set. */
export function tunnelsWorkCheck(iface: string, mtu: number, peerAddresses: string[], peerKeys: string[]): string {
  const lines = [`i=${q(iface)}`];
  for (const address of peerAddresses) {
    const six = parseIp(address)?.family === 6;
    lines.push(`ping ${six ? '-6 ' : ''}-n -q -c 3 -i 0.2 -W 2 ${q(address)} >/dev/null 2>&1 || ${fail(`no reply from ${address} across ${iface} yet`)}`);
  }
  lines.push(
    `now=$(date +%s); wg show "$i" latest-handshakes | awk -v now="$now" -v want=${q(peerKeys.join(' '))} 'BEGIN { n = split(want, w, " "); for (j = 1; j <= n; j++) need[w[j]] = 1 } ($1 in need) && $2 > 0 && now - $2 <= 180 { delete need[$1] } END { bad = 0; for (k in need) { print "no recent handshake with peer " k > "/dev/stderr"; bad = 1 } exit bad }'`,
  );
  for (const address of peerAddresses) {
    const family = parseIp(address)?.family === 6 ? 6 : 4;
    lines.push(
      `ping ${family === 6 ? '-6 ' : ''}-n -q -c 3 -i 0.2 -W 2 -M do -s ${mtu - PING_HEADERS[family]} ${q(address)} >/dev/null 2>&1 || ${fail(`packets of the full overlay MTU (${mtu} bytes) do not cross to ${address}: the path carries less than was measured`)}`,
    );
  }
  return lines.join('\n');
}

export interface OverlayPlanInput {
  resolved: ResolvedOverlay;
  /** Public keys by member, read back after the keys plan. */
  publicKeys: Record<string, string>;
  mtu: number;
  nodes: OverlayPlanNodes;
}

/** The plan that writes every member's configuration, brings the tunnels up and verifies them. */
export function overlayPlan({ resolved, publicKeys, mtu, nodes }: OverlayPlanInput): PlanInput {
  const iface = resolved.interface;
  const paths = overlayPaths(iface);
  const steps: StepInput[] = [];
  const hub = resolved.members.find((m) => m.hub);
  for (const m of resolved.members) {
    const input: MemberConfigInput = { resolved, node: m.node, publicKeys, mtu };
    const content = memberConfig(input);
    steps.push({
      id: `config-${m.node}`,
      title: `Write ${paths.config} on ${m.node} (mode 0600)`,
      target: { node: m.node },
      action: { kind: 'exec', command: sh(writeOwnFile(paths.config, content)) },
      precheck: check(fileHolds(paths.config, content)),
      verify: check(fileHolds(paths.config, content)),
      rollback: `On ${m.node}: wg-quick down ${iface}; rm ${paths.config}`,
      timeoutMs: 30_000,
    });
  }
  if (hub) {
    const six = resolved.members.some((m) => m.addresses.some((a) => parseIp(a.address)?.family === 6));
    const settings = ['net.ipv4.ip_forward = 1', ...(six ? ['net.ipv6.conf.all.forwarding = 1'] : [])];
    const content = `${CONFIG_MARKER}: the hub of overlay ${resolved.overlay.name} forwards between its spokes.\n${settings.join('\n')}\n`;
    const live = settings.map((s) => s.replace(' = ', '=')).map((s) => `[ "$(sysctl -n ${q(s.split('=')[0]!)})" = 1 ]`).join(' && ');
    steps.push({
      id: `forwarding-${hub.node}`,
      title: `Let hub ${hub.node} forward between the spokes (${settings.map((s) => s.split(' ')[0]).join(', ')})`,
      target: { node: hub.node },
      action: { kind: 'exec', command: sh(`${writeOwnFile(paths.sysctl, content)}\nsysctl -q -w ${settings.map((s) => q(s.replace(' = ', '='))).join(' ')}`) },
      precheck: check(`${live} && ${fileHolds(paths.sysctl, content)}`),
      verify: check(live),
      rollback: `On ${hub.node}: rm ${paths.sysctl}; sysctl -w net.ipv4.ip_forward=0 (if nothing else needs forwarding)`,
      timeoutMs: 30_000,
    });
  }
  for (const m of resolved.members) {
    const signature = runningSignature({ resolved, node: m.node, publicKeys, mtu });
    const running = check(runningCheck(iface, signature));
    steps.push({
      id: `up-${m.node}`,
      title: `Bring ${iface} up on ${m.node} (MTU ${mtu})`,
      target: { node: m.node },
      action: { kind: 'exec', command: sh(upScript(iface, mtu, m.addresses.map((a) => `${a.address}/${a.prefix}`))) },
      precheck: running,
      verify: running,
      rollback: `On ${m.node}: wg-quick down ${iface} (or systemctl disable --now wg-quick@${iface})`,
      dependsOn: [`config-${m.node}`, ...(hub && hub.node === m.node ? [`forwarding-${hub.node}`] : [])],
      timeoutMs: 60_000,
    });
  }
  for (const m of resolved.members) {
    const direct = resolved.peers.filter((p) => p.from === m.node).map((p) => p.to);
    const others = resolved.members.filter((o) => o !== m).flatMap((o) => o.addresses.map((a) => a.address));
    const until = check(tunnelsWorkCheck(iface, mtu, others, direct.map((n) => publicKeys[n]!)));
    steps.push({
      id: `verify-${m.node}`,
      title: `Handshakes, pings and full-MTU packets across ${iface} from ${m.node}`,
      target: { node: m.node },
      action: { kind: 'wait', until, intervalMs: 1_000, deadlineMs: 90_000 },
      dependsOn: resolved.members.map((o) => `up-${o.node}`),
      timeoutMs: 30_000,
    });
  }
  return {
    id: `overlay-${resolved.overlay.name}`,
    title: `Overlay ${resolved.overlay.name}: WireGuard ${resolved.overlay.topology} of ${resolved.members.length} nodes on ${iface}, MTU ${mtu}`,
    nodes: planNodesFor(resolved, nodes),
    limits: { global: 8, perTarget: 2 },
    steps,
  };
}
