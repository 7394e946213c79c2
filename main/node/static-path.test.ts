import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { resolveInside } from './static-path.js';

describe('resolveInside', () => {
  const root = path.resolve('/srv/renderer');
  it('keeps ordinary paths inside the folder', () => {
    expect(resolveInside(root, '/assets/index.js')).toBe(path.join(root, 'assets/index.js'));
    expect(resolveInside(root, '/')).toBe(root);
  });
  it.each(['/../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc/passwd', '/a/%00b', '/%E0%A4%A'])('refuses %s', (p) => {
    const resolved = resolveInside(root, p);
    expect(resolved === null || resolved.startsWith(root + path.sep) || resolved === root).toBe(true);
    if (p.includes('%00') || p === '/%E0%A4%A') expect(resolved).toBeNull();
  });
});
