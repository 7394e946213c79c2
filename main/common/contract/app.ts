// Contract of the app domain: what the backend is and where it keeps the workspace.
import * as z from 'zod';
import { defineMethod } from './define.js';

export const hostKinds = ['electron', 'web', 'cli', 'test'] as const;

export const appInfoSchema = z.object({
  name: z.literal('Clusterwright'),
  version: z.string(),
  hostKind: z.enum(hostKinds),
  platform: z.string(),
  arch: z.string(),
  nodeVersion: z.string(),
  workspaceDir: z.string(),
  startedAt: z.string(),
});

export type AppInfo = z.infer<typeof appInfoSchema>;

export const appMethods = {
  'app.info': defineMethod(z.object({}).strict(), appInfoSchema),
};
