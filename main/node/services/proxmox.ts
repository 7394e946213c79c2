// proxmox.* methods: read a node's API certificate for the pinning prompt; compute WAN totem timing.
import type { Handlers } from '../dispatcher.js';
import { tuneTotem } from '../../common/stacks/proxmox/wan-tuning.js';
import { probeCertificate } from '../stacks/proxmox/client.js';

export function proxmoxHandlers(): Pick<Handlers, 'proxmox.probeCertificate' | 'proxmox.tuneTotem'> {
  return {
    'proxmox.probeCertificate': (input) => probeCertificate({ host: input.host, port: input.port }),
    'proxmox.tuneTotem': (input) => tuneTotem({ rttMs: input.rttMs, jitterMs: input.jitterMs, lossPct: input.lossPct }, input.nodes, input.tokenCoefficientMs),
  };
}
