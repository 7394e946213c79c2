// Opens a link outside the app: http(s) without credentials only. In the desktop the window-open
// handler checks it again and hands it to the system browser; in web mode it opens a new tab.
import { safeExternalUrl } from '../../../main/common/urls.js';

/** True when the link was handed on; false when it is not one the app opens. */
export function openExternal(url: string): boolean {
  const safe = safeExternalUrl(url);
  if (!safe) return false;
  window.open(safe, '_blank', 'noopener,noreferrer');
  return true;
}
