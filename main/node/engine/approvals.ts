// Approvals: an admin approves one plan hash and acknowledges each destructive step by id; the
// engine refuses destructive steps without a matching approval.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import type { Plan } from '../../common/plan/schema.js';
import { writeFileAtomicSync } from '../workspace/atomic-write.js';
import { planHash } from './hash.js';

export interface Approval {
  planHash: string;
  planId: string;
  /** Ids of the destructive steps the admin acknowledged. */
  acknowledgedDestructive: string[];
  approvedAt: string;
}

export function destructiveStepIds(plan: Plan): string[] {
  return plan.steps.filter((s) => s.destructive).map((s) => s.id);
}

/** Destructive steps that this approval does not cover (all of them when there is no approval or it is for another hash). */
export function unapprovedDestructive(plan: Plan, hash: string, approval: Approval | null): string[] {
  const destructive = destructiveStepIds(plan);
  if (!approval || approval.planHash !== hash) return destructive;
  return destructive.filter((id) => !approval.acknowledgedDestructive.includes(id));
}

export class ApprovalStore {
  constructor(private readonly dir: string) {}

  private file(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new CwError('INVALID_INPUT', `"${hash}" is not a plan hash (64 hex digits).`);
    return path.join(this.dir, `${hash}.json`);
  }

  /** Records an approval; every destructive step must be acknowledged by id. */
  approve(plan: Plan, acknowledged: string[], expectedHash?: string): Approval {
    const hash = planHash(plan);
    if (expectedHash && expectedHash !== hash) {
      throw new CwError('CONFLICT', `The plan "${plan.id}" changed since it was previewed (hash ${expectedHash.slice(0, 12)}… is now ${hash.slice(0, 12)}…): preview it again before approving.`);
    }
    const destructive = destructiveStepIds(plan);
    const unknown = acknowledged.filter((id) => !destructive.includes(id));
    if (unknown.length > 0) throw new CwError('INVALID_INPUT', `These steps are not destructive steps of plan "${plan.id}": ${unknown.join(', ')}.`);
    const missing = destructive.filter((id) => !acknowledged.includes(id));
    if (missing.length > 0) {
      throw new CwError('FORBIDDEN', `Plan "${plan.id}" has destructive steps that were not acknowledged: ${missing.join(', ')}. Acknowledge each one to approve the plan.`, { missing });
    }
    const approval: Approval = { planHash: hash, planId: plan.id, acknowledgedDestructive: [...destructive], approvedAt: new Date().toISOString() };
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(hash);
    writeFileAtomicSync(file, JSON.stringify(approval, null, 2) + '\n', { mode: 0o600 });
    return approval;
  }

  get(hash: string): Approval | null {
    try {
      const approval = JSON.parse(fs.readFileSync(this.file(hash), 'utf8')) as Approval;
      return approval.planHash === hash ? approval : null;
    } catch {
      return null;
    }
  }
}
