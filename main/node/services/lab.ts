// lab.* methods: start, inspect and stop the local multi-site lab from the app (see main/node/lab). A lab whose
// description has a stack's section (`<key>: true`) also gets what that stack's lab part runs (its API
// simulators, in this process) and the stack's clusters in its workspace.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import type { Handlers } from '../dispatcher.js';
import { defaultLabStateDir, loadLabSpec, openLab, preflight, startLab, stopLab, type Lab, type LabSpec } from '../lab/index.js';
import { stateFilePath } from '../lab/state.js';
import { appRoot } from '../paths.js';
import type { SecretStore } from '../secrets/store.js';
import type { StackModule } from '../stacks/types.js';

export interface LabServiceOptions {
  stateDir?: string;
  examplesDir?: string;
  /** Lab prefix (tests use their own so several labs can run at once). */
  prefix?: string;
}

export interface LabServiceDeps {
  /** Where a stack's lab services keep their credentials (the workspace names them by id). */
  secrets?: SecretStore;
  /** The stacks whose lab parts a lab description may ask for. */
  stacks?: readonly StackModule[];
}

export interface LabService {
  handlers: Pick<Handlers, 'lab.status' | 'lab.up' | 'lab.down'>;
  /** Stops what the stacks' lab parts run in this process (core.close). The lab itself keeps running. */
  close(): Promise<void>;
}

/** The stacks' lab parts a lab description asks for, with its section of each. */
function labPartsFor(spec: LabSpec, stacks: readonly StackModule[]) {
  return stacks.flatMap((m) => {
    const key = m.definition.lab?.key;
    const section = key ? spec.stacks?.[key] : undefined;
    return m.lab && section !== undefined ? [{ module: m, lab: m.lab, section }] : [];
  });
}

export function createLabService(options: LabServiceOptions = {}, deps: LabServiceDeps = {}): LabService {
  const stacks = deps.stacks ?? [];
  /** What the stacks' lab parts run in this process now, by stack id. */
  const running = new Map<string, { title: string; stop(): Promise<void> }>();
  const stopParts = async (): Promise<void> => {
    const parts = [...running.values()];
    running.clear();
    for (const part of parts) await part.stop().catch(() => undefined);
  };

  /** Starts every lab part the description asks for (each stores its own credentials in the secret store). */
  const startParts = async (lab: Lab): Promise<void> => {
    for (const { module, lab: part, section } of labPartsFor(lab.spec, stacks)) {
      if (!deps.secrets) throw new CwError('UNSUPPORTED', `The lab "${lab.name}" asks for ${part.title}, but this host has no secret store for their credentials. Start the lab from the app or the CLI.`);
      const handle = await part.start(lab, section, { secrets: deps.secrets });
      running.set(module.definition.id, { title: part.title, stop: handle.stop });
    }
  };

  const stateDir = () => options.stateDir ?? defaultLabStateDir();
  const examplesDir = () => options.examplesDir ?? path.join(appRoot(), 'assets', 'labs');
  const examples = () => {
    let files: string[] = [];
    try {
      files = fs.readdirSync(examplesDir()).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
    } catch {
      return [];
    }
    return files.sort().flatMap((file) => {
      try {
        const text = fs.readFileSync(path.join(examplesDir(), file), 'utf8');
        const spec = loadLabSpec(text, file);
        const title = text.split('\n').find((l) => l.startsWith('#'))?.replace(/^#\s*/, '') ?? spec.name;
        return [{ name: file.replace(/\.ya?ml$/, ''), title, hosts: spec.sites.reduce((n, s) => n + s.hosts.length, 0), sites: spec.sites.length }];
      } catch {
        return [];
      }
    });
  };
  const availability = (): { available: boolean; reason?: string } => {
    try {
      preflight();
      return { available: true };
    } catch (error) {
      return { available: false, reason: error instanceof Error ? error.message : String(error) };
    }
  };
  const handlers: LabService['handlers'] = {
    'lab.status': async () => {
      // Services in this process, or in the background process of a lab the CLI started.
      const stackServices = [...running.values()].map((r) => r.title);
      for (const m of stacks) {
        if (!m.lab || running.has(m.definition.id)) continue;
        const background = await m.lab.backgroundStatus(stateDir()).catch(() => undefined);
        if (background?.running) stackServices.push(background.title);
      }
      const base = { ...availability(), examples: examples(), stackServices };
      if (!fs.existsSync(stateFilePath(stateDir()))) return { ...base, running: false, hosts: [] };
      try {
        const lab = openLab(stateDir());
        const status = await lab.status();
        return {
          ...base,
          running: status.hosts.some((h) => h.running),
          name: status.name,
          workspacePath: lab.workspacePath,
          hosts: status.hosts.map((h) => ({ name: h.name, site: h.site, addresses: h.addresses, running: h.running })),
        };
      } catch {
        return { ...base, running: false, hosts: [] };
      }
    },
    'lab.up': async (input) => {
      const file = path.join(examplesDir(), `${input.example}.yml`);
      if (!fs.existsSync(file)) {
        throw new CwError('NOT_FOUND', `There is no example lab "${input.example}" (available: ${examples().map((e) => e.name).join(', ') || 'none'}).`);
      }
      const spec = loadLabSpec(fs.readFileSync(file, 'utf8'), file);
      const started = Date.now();
      const parts = labPartsFor(spec, stacks);
      // A locked secret store is found out before any host starts (the app asks for its passphrase and calls again).
      if (parts.length) await deps.secrets?.ensureOpen?.();
      if (input.replace) {
        await stopParts();
        for (const m of stacks) await m.lab?.stopBackground(stateDir(), deps.secrets ? { secrets: deps.secrets } : {});
      }
      const lab = await startLab(spec, { stateDir: stateDir(), ...(options.prefix ? { prefix: options.prefix } : {}), replace: Boolean(input.replace) });
      // The services of a replaced lab would point at hosts that no longer exist.
      await stopParts();
      if (parts.length) {
        try {
          await startParts(lab);
        } catch (err) {
          await stopParts();
          await stopLab(stateDir(), options.prefix ? { prefix: options.prefix } : {});
          throw err;
        }
      }
      return { name: lab.name, workspacePath: lab.workspacePath, upMs: parts.length ? Date.now() - started : (lab.upMs ?? 0), hosts: lab.hosts.length, stackServices: parts.map((p) => p.lab.title) };
    },
    'lab.down': async () => {
      await stopParts();
      // A lab the CLI started keeps its services in a background process: stop it gracefully, not just kill it.
      for (const m of stacks) await m.lab?.stopBackground(stateDir(), deps.secrets ? { secrets: deps.secrets } : {});
      const removed = await stopLab(stateDir(), options.prefix ? { prefix: options.prefix } : {});
      return { namespaces: removed.netns.length, processes: removed.processes };
    },
  };
  return { handlers, close: stopParts };
}
