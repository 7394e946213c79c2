// vCenter's rules for the endpoint, the SSO user and inventory names the workspace carries.
import { checkEndpoint, hasControlCharacters } from '../../workspace/names.js';

/** A vCenter endpoint: host, host:port, or an https URL (https://vcenter.example.lan/sdk). */
export function checkVcenterEndpoint(value: string): string | undefined {
  const expected = 'a vCenter host, host:port or https URL such as https://vcenter.example.lan/sdk';
  const url = /^https:\/\/([^/?#]+)(\/[A-Za-z0-9._~\-/]*)?$/.exec(value);
  if (url) return checkEndpoint(url[1]!) ? expected : undefined;
  return checkEndpoint(value) ? expected : undefined;
}

/** A vCenter SSO user: `user@domain` (or a plain user name). */
export function checkVcenterUser(value: string): string | undefined {
  return /^[A-Za-z0-9._-]{1,64}(@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))?$/.test(value) ? undefined : 'a vCenter user such as administrator@vsphere.local';
}

/** vSphere inventory names (clusters): up to 80 characters, no control characters, not blank at either end. */
export function checkVsphereName(value: string): string | undefined {
  if (value.length > 80 || hasControlCharacters(value) || value.trim() !== value || value === '') return 'a vSphere name of 1–80 characters without control characters or leading/trailing spaces';
  return undefined;
}

