// Files each lab host is built from: its init script (mounts, hostname), sshd_config, /etc/hosts,
// and the `systemctl` stand-in every host finds first on its PATH (pure text generators).
import { shellQuote } from '../ssh/shell-quote.js';
import type { LabPlan, PlannedHost } from './plan.js';

/** Directories each host gets a private copy of (bind-mounted from the state directory). */
export const privateDirs = ['etc/corosync', 'var/lib/corosync', 'var/log/corosync', 'etc/ssh', 'run', 'root', 'tmp'] as const;

/**
 * Where a host's /etc/pve points: /etc is overlaid per host (the build machine has no /etc/pve to bind over),
 * with /etc/pve a link into the host's private /run that a stack's API simulator aims at its simulated cluster file system.
 */
export const etcPveLinkTarget = '/run/cw-pve';

/** Marker the init script writes once the host's mounts are in place. */
export const readyMarker = 'cw-lab-ready';

const q = shellQuote;

/**
 * PID 1 of a host's PID namespace: bind-mounts the private directories, sets the hostname, then
 * waits forever, reaping orphans (bash reaps every child on SIGCHLD). Killing it from outside ends
 * every process of the host.
 */
export function initScript(host: PlannedHost, hostDir: string, binDir: string): string {
  // Every bind source is taken through file descriptors opened before the first mount: the state
  // directory usually lives under /root (root's default data folder) or /tmp, which this host gets a
  // private copy of, so once /root is mounted over, a path like /root/.local/share/… names the
  // host's own (empty) /root and the remaining sources would be gone. /proc/self/fd/N keeps
  // pointing at the directory opened, whatever is mounted over its path afterwards; `-c` hands that
  // path to the kernel as it is, without resolving it to a name first.
  const fsFd = 3;
  const binFd = 4;
  const viaFs = (rel: string) => q(`/proc/self/fd/${fsFd}/${rel}`);
  return [
    '#!/bin/bash',
    `# Clusterwright lab host ${host.name}: PID 1 of its PID namespace.`,
    'set -eu',
    `exec ${fsFd}<${q(`${hostDir}/fs`)} ${binFd}<${q(binDir)}`,
    // A private layer over /etc holding only /etc/pve (a link); without overlayfs the host simply has no /etc/pve.
    `if mount -t overlay cw-etc -o ${q(`lowerdir=/etc,upperdir=${hostDir}/etc-upper,workdir=${hostDir}/etc-work`)} /etc; then :; else echo 'overlayfs unavailable: no /etc/pve on this host' >&2; fi`,
    `mount -c --bind ${viaFs('etc/hosts')} /etc/hosts`,
    `mount -c --bind ${viaFs('etc/hostname')} /etc/hostname`,
    `mount -c --bind ${q(`/proc/self/fd/${binFd}`)} /usr/local/sbin`,
    'mount -t sysfs sysfs /sys',
    ...privateDirs.map((d) => `mount -c --bind ${viaFs(d)} /${d}`),
    `exec ${fsFd}<&- ${binFd}<&-`,
    `hostname ${q(host.name)}`,
    `touch /run/${readyMarker}`,
    'exec </dev/null',
    "trap '' TERM INT HUP",
    'while :; do sleep 3600 & wait $! || true; done',
    '',
  ].join('\n');
}

export function sshdConfig(host: PlannedHost): string {
  return [
    `# sshd of Clusterwright lab host ${host.name}: root by key only, SFTP on.`,
    'Port 22',
    ...host.addresses.map((a) => `ListenAddress ${a}`),
    'ListenAddress 127.0.0.1',
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'UsePAM no',
    'UseDNS no',
    'PidFile /run/sshd.pid',
    'MaxSessions 10',
    'MaxStartups 200:30:400',
    'ClientAliveInterval 0',
    'AcceptEnv LANG LC_*',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}

export function etcHosts(plan: LabPlan): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const h of plan.hosts) lines.push(`${h.addresses[0]}\t${h.name}`);
  return lines.join('\n') + '\n';
}

/** The systemctl stand-in (bash), installed as /usr/local/sbin/systemctl inside every host. */
export function systemctlStandIn(): string {
  // Written with %{ for bash's ${ so the template literal does not interpolate.
  return String.raw`#!/bin/bash
# systemctl stand-in on Clusterwright lab hosts, which run no systemd. Units: corosync,
# corosync-qdevice, corosync-qnetd, ssh (alias sshd), plus any /usr/local/sbin/units/<unit> file
# holding one command line (words split on spaces) of a program that stays in the foreground.
set -u
state=/run/cw-units
mkdir -p "$state/enabled"
quiet=0
now=0
args=()
for a in "$@"; do
  case "$a" in
    -q|--quiet) quiet=1 ;;
    --now) now=1 ;;
    --no-pager|--no-block|--full|-l|--system) ;;
    -*) echo "systemctl (lab stand-in): option $a is not supported" >&2; exit 1 ;;
    *) args+=("$a") ;;
  esac
done
verb="%{args[0]:-}"
units=("%{args[@]:1}")

say() { [ "$quiet" = 1 ] || echo "$@"; }

unit_name() { local u="%{1%.service}"; [ "$u" = sshd ] && u=ssh; echo "$u"; }

unit_argv() {
  case "$1" in
    corosync) CMD=(/usr/sbin/corosync -f) ;;
    corosync-qdevice) CMD=(/usr/sbin/corosync-qdevice -f) ;;
    corosync-qnetd) CMD=(/usr/bin/corosync-qnetd -f) ;;
    ssh) CMD=(/usr/sbin/sshd -D -e) ;;
    *)
      if [ -f "/usr/local/sbin/units/$1" ]; then read -r -a CMD < "/usr/local/sbin/units/$1"; else return 1; fi ;;
  esac
}

pid_of() {
  local f="$state/$1.pid" p s
  [ -s "$f" ] || return 1
  p=$(cat "$f")
  [ -r "/proc/$p/stat" ] || return 1
  s=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1)
  [ "$s" != Z ] || return 1
  echo "$p"
}

ready() {
  case "$1" in
    corosync) timeout 2 corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1 ;;
    corosync-qnetd) [ -S /run/corosync-qnetd/corosync-qnetd.sock ] ;;
    corosync-qdevice) [ -S /run/corosync-qdevice/corosync-qdevice.sock ] ;;
    *) true ;;
  esac
}

start_unit() {
  local u=$1 pid i log="$state/$1.log"
  pid_of "$u" >/dev/null && return 0
  case "$u" in
    corosync)
      if [ ! -f /etc/corosync/corosync.conf ]; then
        echo "corosync.service: ConditionPathExists=/etc/corosync/corosync.conf was not met; not started." >&2
        return 0
      fi ;;
    corosync-qnetd)
      mkdir -p /run/corosync-qnetd
      if [ ! -f /etc/corosync/qnetd/nssdb/cert9.db ]; then
        corosync-qnetd-certutil -i >>"$log" 2>&1 || { echo "corosync-qnetd.service: could not create its certificate database (corosync-qnetd-certutil -i); see $log" >&2; return 1; }
      fi ;;
    corosync-qdevice) mkdir -p /run/corosync-qdevice ;;
    ssh)
      mkdir -p /run/sshd && chmod 0755 /run/sshd
      /usr/sbin/sshd -t || { echo "ssh.service: sshd -t rejected /etc/ssh/sshd_config" >&2; return 1; } ;;
  esac
  unit_argv "$u" || { echo "Failed to start $u.service: Unit $u.service not found." >&2; return 5; }
  setsid "%{CMD[@]}" </dev/null >>"$log" 2>&1 &
  pid=$!
  echo "$pid" > "$state/$u.pid"
  date +%s > "$state/$u.since"
  for i in $(seq 1 100); do
    if ! pid_of "$u" >/dev/null; then
      echo "$u.service failed: the process exited during start. Last lines of $log:" >&2
      tail -n 15 "$log" >&2
      return 1
    fi
    ready "$u" && return 0
    sleep 0.1
  done
  echo "$u.service: started as PID $pid but not ready within 10 s; see $log" >&2
  return 1
}

stop_unit() {
  local u=$1 p i
  p=$(pid_of "$u") || { rm -f "$state/$u.pid"; return 0; }
  kill -TERM "$p" 2>/dev/null
  for i in $(seq 1 100); do pid_of "$u" >/dev/null || break; sleep 0.1; done
  if pid_of "$u" >/dev/null; then kill -KILL "$p" 2>/dev/null; sleep 0.1; fi
  rm -f "$state/$u.pid"
}

reload_unit() {
  local u=$1 p
  p=$(pid_of "$u") || { echo "$u.service is not active, cannot reload." >&2; return 1; }
  case "$u" in
    corosync) timeout 10 corosync-cfgtool -R >/dev/null ;;
    ssh) kill -HUP "$p" ;;
    *) stop_unit "$u" && start_unit "$u" ;;
  esac
}

status_unit() {
  local u=$1 p
  if p=$(pid_of "$u"); then
    echo "● $u.service - $u (Clusterwright lab stand-in)"
    echo "     Active: active (running) since $(date -d "@$(cat "$state/$u.since" 2>/dev/null || echo 0)")"
    echo "   Main PID: $p"
    [ -f "$state/$u.log" ] && { echo; tail -n 10 "$state/$u.log"; }
    return 0
  fi
  echo "○ $u.service - $u (Clusterwright lab stand-in)"
  echo "     Active: inactive (dead)"
  return 3
}

[ -n "$verb" ] || { echo "usage: systemctl {start|stop|restart|reload|try-restart|reload-or-restart|status|is-active|is-enabled|enable|disable|daemon-reload} UNIT..." >&2; exit 1; }
case "$verb" in
  daemon-reload|reset-failed) exit 0 ;;
esac
[ "%{#units[@]}" -gt 0 ] || { echo "systemctl $verb: which unit?" >&2; exit 1; }
rc=0
for raw in "%{units[@]}"; do
  u=$(unit_name "$raw")
  if ! unit_argv "$u"; then
    case "$verb" in
      is-active) say inactive; rc=3; continue ;;
      status) echo "Unit $u.service could not be found." >&2; rc=4; continue ;;
      *) echo "Failed to $verb $u.service: Unit $u.service not found." >&2; rc=5; continue ;;
    esac
  fi
  case "$verb" in
    start) start_unit "$u" || rc=$? ;;
    stop) stop_unit "$u" || rc=$? ;;
    restart) { stop_unit "$u" && start_unit "$u"; } || rc=$? ;;
    try-restart) if pid_of "$u" >/dev/null; then { stop_unit "$u" && start_unit "$u"; } || rc=$?; fi ;;
    reload) reload_unit "$u" || rc=$? ;;
    reload-or-restart) if pid_of "$u" >/dev/null; then reload_unit "$u" || rc=$?; else start_unit "$u" || rc=$?; fi ;;
    status) status_unit "$u" || rc=$? ;;
    is-active) if pid_of "$u" >/dev/null; then say active; else say inactive; rc=3; fi ;;
    is-enabled) if [ -e "$state/enabled/$u" ]; then say enabled; else say disabled; rc=1; fi ;;
    enable) touch "$state/enabled/$u"; [ "$now" = 1 ] && { start_unit "$u" || rc=$?; } ;;
    disable) rm -f "$state/enabled/$u"; [ "$now" = 1 ] && { stop_unit "$u" || rc=$?; } ;;
    *) echo "systemctl (lab stand-in): unknown command \"$verb\"" >&2; exit 1 ;;
  esac
done
exit "$rc"
`.replace(/%\{/g, '${');
}
