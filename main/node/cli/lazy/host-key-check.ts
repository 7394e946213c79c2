// How this machine's trust now compares with the host keys recorded with a workspace's measurements (known_hosts,
// the app's pinned keys, the lab's): what the core would use, without the rest of the core. `validate` loads this
// only when measurements lie beside the file; the build gives it its own bundle (cli-lazy-host-key-check.cjs), so
// the SSH service's code stays out of validate's own bundle.
import type { CurrentEstate, Workspace } from '../../../common/workspace/index.js';
import { EventBus } from '../../events.js';
import { defaultWorkspaceDir } from '../../paths.js';
import { createSshService } from '../../services/ssh.js';
import { workspaceHostKeyCheck } from '../../workspace/host-key-check.js';

export interface HostKeyCheck {
  check(workspace: Workspace): CurrentEstate['hostKey'];
  close(): Promise<void>;
}

export function hostKeyCheck(): HostKeyCheck {
  const ssh = createSshService({ hostKind: 'cli', workspaceDir: defaultWorkspaceDir(), ssh: { interactive: false, engine: { acceptNewHostKeys: false } } }, { events: new EventBus() });
  return { check: (workspace) => workspaceHostKeyCheck(ssh, workspace), close: () => ssh.close() };
}
