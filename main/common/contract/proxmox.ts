// Contract of the Proxmox domain: the certificate a node presents (for the admin to confirm before
// pinning) and totem timing computed from a measured corosync link, with its reasoning.
import { z } from 'zod';
import { defineMethod } from './define.js';

export const pveCertificateSchema = z.object({
  /** SHA-256, upper-case, colon-separated, as `pvenode cert info` shows it. */
  fingerprint: z.string(),
  subject: z.string(),
  issuer: z.string(),
  validTo: z.string(),
});

export const totemTuningSchema = z.object({
  verdict: z.enum(['lan', 'wan-tuned', 'separate-clusters']),
  totem: z.object({ token: z.number().optional(), token_coefficient: z.number().optional(), consensus: z.number().optional(), join: z.number().optional() }),
  effectiveTokenMs: z.number(),
  consensusMs: z.number(),
  failoverDetectionMs: z.number(),
  worstRttMs: z.number(),
  rotationMs: z.number(),
  reasoning: z.array(z.string()),
});

export const proxmoxMethods = {
  'proxmox.probeCertificate': defineMethod(z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(8006) }).strict(), pveCertificateSchema),
  'proxmox.tuneTotem': defineMethod(
    z
      .object({
        rttMs: z.number().min(0),
        jitterMs: z.number().min(0),
        lossPct: z.number().min(0).max(100).default(0),
        nodes: z.number().int().min(2).max(64),
        tokenCoefficientMs: z.number().int().min(0).default(125),
      })
      .strict(),
    totemTuningSchema,
  ),
};
