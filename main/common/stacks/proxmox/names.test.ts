// Proxmox VE's own formats for what the workspace sends to its hosts and API.
import { describe, expect, it } from 'vitest';
import { checkPveClusterName, checkPveStorageId, checkPveTokenId, checkPveUserId } from './names.js';

const ok = (check: (v: string) => string | undefined, values: string[]) => values.forEach((v) => expect(check(v), JSON.stringify(v)).toBeUndefined());
const bad = (check: (v: string) => string | undefined, values: string[]) => values.forEach((v) => expect(check(v), JSON.stringify(v)).toBeDefined());

describe('names on Proxmox VE hosts', () => {
  it('applies Proxmox VE\'s formats: cluster names, storage ids, user and token ids', () => {
    ok(checkPveClusterName, ['homelab', 'pve-2', 'C1']);
    bad(checkPveClusterName, ['my_cluster', '-x', 'a b', 'x.y']);
    ok(checkPveStorageId, ['local-lvm', 'ceph_vm', 'nfs.backup', 'Local']);
    bad(checkPveStorageId, ['1local', 'local-', 'a', 'lo cal', 'a,b']);
    ok(checkPveUserId, ['root@pam', 'monitor@pve', 'jane.doe@ldap-corp']);
    bad(checkPveUserId, ['root', 'a@1realm', 'x,host=evil@pam', 'a b@pam', 'a@pam\n']);
    ok(checkPveTokenId, ['root@pam!monitoring', 'ops@pve!ci-1']);
    bad(checkPveTokenId, ['root@pam', 'root@pam!1x', 'root@pam!a,host=evil', 'root@pam!a=b']);
  });
});
