// Questions the backend asks the admin while connecting: unknown host keys and login prompts
// (password, passphrase, 2FA). Answers go back through the contract and are never kept here.
import type { EventPayload } from '../../../main/common/contract/index.js';
import type { SliceCreator } from './index.js';
import { describeError } from './describe-error.js';

export type Prompt = ({ type: 'hostKey' } & EventPayload<'hostKey.unknown'>) | ({ type: 'auth' } & EventPayload<'auth.prompt'>);

export interface PromptsSlice {
  prompts: Prompt[];
  promptError: string | null;
  answerHostKey(promptId: string, decision: 'pin' | 'once' | 'reject'): Promise<void>;
  answerAuth(promptId: string, answers: string[] | null): Promise<void>;
}

export const createPromptsSlice: SliceCreator<PromptsSlice> = (set, get, transport) => {
  const drop = (promptId: string) => set({ prompts: get().prompts.filter((p) => p.promptId !== promptId) });
  transport.on('hostKey.unknown', (p) => set({ prompts: [...get().prompts, { type: 'hostKey', ...p }] }));
  transport.on('auth.prompt', (p) => set({ prompts: [...get().prompts, { type: 'auth', ...p }] }));
  transport.on('ssh.promptClosed', (p) => drop(p.promptId));
  return {
    prompts: [],
    promptError: null,
    async answerHostKey(promptId, decision) {
      drop(promptId);
      try {
        await transport.call('hostKey.answer', { promptId, decision });
        set({ promptError: null });
      } catch (error) {
        set({ promptError: describeError(error) });
      }
    },
    async answerAuth(promptId, answers) {
      drop(promptId);
      try {
        await transport.call('auth.answer', answers === null ? { promptId, cancel: true } : { promptId, answers });
        set({ promptError: null });
      } catch (error) {
        set({ promptError: describeError(error) });
      }
    },
  };
};
