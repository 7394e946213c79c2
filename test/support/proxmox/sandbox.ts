// A throw-away "node" for Proxmox test-server tests outside the lab: its own network, mount, UTS and
// PID namespaces, tmpfs over /etc/corosync, /var/lib/corosync, /var/log/corosync, /run, /root and /tmp, one loopback address.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { NsenterRunner } from '../../../main/node/stacks/proxmox/simulator/host.js';

export interface Sandbox {
  name: string;
  /** The node's own address (127.x, on its private loopback). */
  address: string;
  /** PID (in this machine's namespace) of the sandbox's init; everything in it dies with it. */
  initPid: number;
  runner: NsenterRunner;
  stop(): Promise<void>;
}

const setupScript = `
set -e
mount --make-rprivate /
for d in /etc/corosync /var/lib/corosync /var/log/corosync /run /root /tmp; do mount -t tmpfs -o mode=0755 tmpfs "$d"; done
hostname "$1"
ip link set lo up
ip addr add "$2/8" dev lo
echo ready
exec sleep infinity
`;

export async function startSandbox(name: string, address: string): Promise<Sandbox> {
  const child = spawn('unshare', ['--net', '--mount', '--uts', '--pid', '--fork', '--kill-child', 'sh', '-c', setupScript, 'sh', name, address], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox ${name} did not start within 10 s: ${stderr}`)), 10_000);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox ${name} exited (${code}): ${stderr.trim()}`));
    });
  });
  // The init of the new PID namespace is unshare's only child (sh, now exec'd into sleep).
  let initPid = 0;
  for (let i = 0; i < 50 && !initPid; i++) {
    const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    initPid = Number(kids.split(/\s+/)[0] ?? 0);
    if (!initPid) await new Promise((r) => setTimeout(r, 20));
  }
  if (!initPid) throw new Error(`sandbox ${name}: cannot find its init process`);
  const runner = new NsenterRunner(`sandbox ${name}`, initPid);
  return {
    name,
    address,
    initPid,
    runner,
    async stop() {
      // SIGKILL to a PID namespace's init kills every process in it (corosync, qnetd, …).
      try {
        process.kill(initPid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        setTimeout(resolve, 3000);
      });
    },
  };
}
