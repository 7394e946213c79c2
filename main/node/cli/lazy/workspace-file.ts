// The whole workspace model (every stack's schema, the overlays, the references), to read a workspace file.
// exec loads it after it has opened its first connections (cli-lazy-workspace-file.cjs), so building the model's
// schemas overlaps the TCP handshake instead of delaying it.
export { loadWorkspaceFile } from '../../ssh/workspace-file.js';
