// Proxmox VE's own rules for names and ids the workspace carries to its hosts and API (pve-node,
// pve-storage-id, pve-userid, API token ids): a value outside them is refused in the file, never later.
import { isHostLabel } from '../../workspace/names.js';

/** Proxmox VE node names (`pve-node`): one host name label. */
export function checkPveNodeName(value: string): string | undefined {
  return isHostLabel(value) ? undefined : 'a Proxmox node name: its short host name (letters, digits and "-", not at either end, no dots, at most 63 characters)';
}

/** Proxmox VE cluster names: the `pve-node` format, at most 15 characters (pvecm create). */
export const pveClusterNameMax = 15;
export function checkPveClusterName(value: string): string | undefined {
  return isHostLabel(value) ? undefined : 'a Proxmox cluster name (pvecm: letters, digits and "-", not at either end, at most 15 characters)';
}

/** Proxmox VE storage ids (`pve-storage-id`): `[a-z][a-z0-9\-_.]*[a-z0-9]`, case-insensitive. */
export function checkPveStorageId(value: string): string | undefined {
  return /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(value) ? undefined : 'a Proxmox storage id (a letter, then letters, digits, "-", "_" or ".", ending in a letter or digit, such as local-lvm)';
}

/** Storage plugin types Proxmox VE knows (`pvesm add <type>`). */
export const pveStorageTypes = ['btrfs', 'cephfs', 'cifs', 'dir', 'esxi', 'glusterfs', 'iscsi', 'iscsidirect', 'lvm', 'lvmthin', 'nfs', 'pbs', 'rbd', 'zfs', 'zfspool'] as const;

const realmRe = '[A-Za-z][A-Za-z0-9.\\-_]+';
/** The user part Proxmox allows (`[^\s:/]+`), less what its property strings and token ids use as separators. */
const pveUserPart = '[^\\s:/@,=!\\u0000-\\u001f\\u007f]{1,60}';

/** A Proxmox VE user id `USER@REALM` (pve-userid: 3–64 characters). */
export function checkPveUserId(value: string): string | undefined {
  if (value.length < 3 || value.length > 64 || !new RegExp(`^${pveUserPart}@${realmRe}$`).test(value)) return 'a Proxmox user id USER@REALM, such as root@pam';
  return undefined;
}

/** A Proxmox VE API token id `USER@REALM!NAME`, the name as Proxmox allows it (`[A-Za-z][A-Za-z0-9.\-_]+`). */
export function checkPveTokenId(value: string): string | undefined {
  const bang = value.lastIndexOf('!');
  if (bang < 0 || checkPveUserId(value.slice(0, bang)) || !/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(value.slice(bang + 1))) {
    return 'a Proxmox API token id USER@REALM!NAME, such as root@pam!monitoring';
  }
  return undefined;
}

