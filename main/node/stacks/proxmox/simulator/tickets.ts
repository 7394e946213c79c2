// Tickets and CSRF tokens of the Proxmox test server: HMAC-signed with the cluster's key (in PVE,
// /etc/pve/priv/authkey.key), valid for two hours, with a partial ticket for the two-factor step.
import crypto from 'node:crypto';
import { safeEqual } from './http.js';

export const ticketLifetimeS = 2 * 60 * 60;

export class TicketSigner {
  constructor(
    /** The signing key, read at each use (it changes when a node joins a cluster). */
    private readonly key: () => string,
    private readonly now: () => number,
  ) {}

  private sign(text: string): string {
    return crypto.createHmac('sha256', this.key()).update(text).digest('base64').replace(/=+$/, '');
  }

  /** `PVE:<user>:<hex time>::<signature>`; `prefix` `!tfa!<challenge>:` makes the partial ticket of a TFA login. */
  issue(user: string, prefix = ''): string {
    const body = `PVE:${prefix}${user}:${Math.floor(this.now() / 1000).toString(16).toUpperCase()}`;
    return `${body}::${this.sign(body)}`;
  }

  /** The user (and TFA challenge, for a partial ticket) of a valid, unexpired ticket. */
  verify(ticket: string): { user: string; tfa?: string; time: string } | undefined {
    const m = /^(PVE:(?:!tfa!([^:]*):)?([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
    if (!m || !safeEqual(this.sign(m[1]!), m[5]!)) return undefined;
    const age = Math.floor(this.now() / 1000) - parseInt(m[4]!, 16);
    if (age < -300 || age > ticketLifetimeS) return undefined;
    return { user: m[3]!, tfa: m[2], time: m[4]! };
  }

  /** The CSRFPreventionToken that goes with a ticket issued at `time` (hex) to `user`. */
  csrf(user: string, time: string): string {
    return `${time}:${this.sign(`${time}:${user}`)}`;
  }
}
