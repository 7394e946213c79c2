// The OpenStack wizard's Kolla-Ansible step as both Chromium tests take it: each region's VIP and interfaces
// filled in, the files generated and shown.
import type { Page } from 'playwright-core';

export async function generateKollaFiles(page: Page, vips: Record<string, string>): Promise<void> {
  for (const [region, vip] of Object.entries(vips)) {
    await page.getByTestId(`openstack-vip-${region}`).fill(vip);
    await page.getByTestId(`openstack-if-${region}`).fill('eth0');
    await page.getByTestId(`openstack-ext-${region}`).fill('eth1');
  }
  await page.getByTestId('openstack-generate').click();
  await page.getByTestId('openstack-kolla').waitFor();
}
