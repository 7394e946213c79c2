// Contract of the failover drill: its plan (with the prediction the preview shows) and the saved reports.
import * as z from 'zod';
import { drillPredictionSchema, drillReportSchema, failureSchema } from '../drill/model.js';
import { planSchema } from '../plan/schema.js';
import { defineMethod } from './define.js';

export const drillMethods = {
  /**
   * The drill for a site or link loss as an engine plan (preview, approve, apply with plan.*): in the lab it cuts for
   * real (a destructive step), watches the clusters recover, restores and saves a report; on real clusters it is a
   * checklist whose steps wait for the admin to pull and put back the cable while the readings are taken.
   */
  'drill.plan': defineMethod(
    z.object({ failure: failureSchema, observeSeconds: z.number().int().min(5).max(3600).optional() }).strict(),
    z.object({ plan: planSchema, prediction: drillPredictionSchema, mode: z.enum(['lab', 'checklist']), destructive: z.array(z.string()) }),
  ),
  /** The saved reports beside the workspace, newest first (the scorecard's "last drill"). */
  'drill.reports': defineMethod(z.object({}).strict(), z.object({ reports: z.array(drillReportSchema.extend({ file: z.string() })) })),
};
