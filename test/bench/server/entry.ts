// The web host and core in a process of their own, as `clusterwright serve` runs them, for browser
// benchmarks: the benchmark driver (vitest, the DevTools client) stays out of the server's CPU time.
// Prints one JSON line when listening ({url, port}), one per finished stream ({stream: stats}), and
// answers host-key questions "once" (the benchmark's own sshd). Arguments: <static folder> <workspace folder>.
import { createCore } from '../../../main/node/core.js';
import { startWebHost } from '../../../main/server/web-host.js';

const [staticDir, workspaceDir] = process.argv.slice(2);
if (!staticDir || !workspaceDir) {
  process.stderr.write('usage: entry <static folder> <workspace folder>\n');
  process.exit(64);
}
const core = createCore({ hostKind: 'web', workspaceDir });
core.events.subscribe((name, payload) => {
  if (name === 'hostKey.unknown') void core.call('hostKey.answer', { promptId: (payload as { promptId: string }).promptId, decision: 'once' });
});
void startWebHost({
  core,
  staticDir,
  wire: { onStreamStats: (_id, stats) => process.stdout.write(JSON.stringify({ stream: stats }) + '\n') },
}).then((host) => {
  process.stdout.write(JSON.stringify({ url: host.url, port: host.port }) + '\n');
  const stop = async () => {
    await host.close();
    await core.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
});
