import { describe, expect, it } from 'vitest';
import { safeExternalUrl } from './urls.js';

describe('safeExternalUrl', () => {
  it('lets http and https links through', () => {
    expect(safeExternalUrl('https://pve.proxmox.com/wiki/Cluster_Manager')).toBe('https://pve.proxmox.com/wiki/Cluster_Manager');
    expect(safeExternalUrl('http://198.18.1.11:8006/')).toBe('http://198.18.1.11:8006/');
  });
  it.each(['file:///etc/passwd', 'javascript:alert(1)', 'ssh://root@host', 'https://user:secret@example.org/', 'not a url', 'data:text/html,hi'])('refuses %s', (text) => {
    expect(safeExternalUrl(text)).toBeNull();
  });
});
