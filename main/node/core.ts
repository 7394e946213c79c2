// The backend as plain Node: services behind the contract, shared by the Electron utility process,
// the web host, the CLI and the tests.
import fs from 'node:fs';
import { CwError } from '../common/errors.js';
import type { hostKinds, MethodInput, MethodName, MethodOutput } from '../common/contract/index.js';
import { createDispatcher, type Dispatch, type Handlers } from './dispatcher.js';
import { EventBus } from './events.js';
import { defaultWorkspaceDir } from './paths.js';
import { appHandlers } from './services/app.js';

export interface CoreOptions {
  hostKind: (typeof hostKinds)[number];
  workspaceDir: string;
}

export interface Core {
  options: CoreOptions;
  dispatch: Dispatch;
  events: EventBus;
  /** In-process call (CLI, tests): same validation as the transports; throws CwError on failure. */
  call<M extends MethodName>(method: M, input: MethodInput<M>, signal?: AbortSignal): Promise<MethodOutput<M>>;
  close(): Promise<void>;
}

export function createCore(partial: Partial<CoreOptions> & Pick<CoreOptions, 'hostKind'>): Core {
  const options: CoreOptions = { workspaceDir: defaultWorkspaceDir(), ...partial };
  fs.mkdirSync(options.workspaceDir, { recursive: true, mode: 0o700 });
  const startedAt = new Date();
  const events = new EventBus();
  const handlers = {
    ...appHandlers(options, startedAt),
  } satisfies Handlers;
  const dispatch = createDispatcher(handlers);
  return {
    options,
    dispatch,
    events,
    async call(method, input, signal) {
      const ctx = {
        signal: signal ?? new AbortController().signal,
        session: {
          openStream: () => {
            throw new CwError('UNSUPPORTED', 'Streams need a connected client session.');
          },
        },
      };
      const result = await dispatch(ctx, method, input);
      if (!result.ok) throw CwError.fromPayload(result.error);
      return result.value as MethodOutput<typeof method>;
    },
    close: async () => {},
  };
}
