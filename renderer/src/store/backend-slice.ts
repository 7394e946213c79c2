// What the backend says about itself, and whether we are connected to it.
import type { AppInfo } from '../../../main/common/contract/index.js';
import type { ConnectionState } from '../transport/index.js';
import type { SliceCreator } from './index.js';
import { describeError } from './describe-error.js';

export interface BackendSlice {
  info: AppInfo | null;
  infoError: string | null;
  connection: ConnectionState;
  loadInfo(): Promise<void>;
}

export const createBackendSlice: SliceCreator<BackendSlice> = (set, _get, transport) => ({
  info: null,
  infoError: null,
  connection: transport.connection,
  async loadInfo() {
    try {
      const info = await transport.call('app.info', {});
      set({ info, infoError: null });
    } catch (error) {
      set({ infoError: describeError(error) });
    }
  },
});
