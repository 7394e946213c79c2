// The one bridge between the sandboxed renderer and the services: a `cw` global that sends and
// receives contract frames on the `cw:frame` channel, and nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const FRAME_CHANNEL = 'cw:frame';

type FrameListener = (frame: string | Uint8Array) => void;

contextBridge.exposeInMainWorld('cw', {
  hostKind: 'electron',
  send(frame: unknown): void {
    if (typeof frame !== 'string') throw new TypeError('cw.send takes a string frame.');
    ipcRenderer.send(FRAME_CHANNEL, frame);
  },
  onFrame(listener: FrameListener): () => void {
    const wrapped = (_event: IpcRendererEvent, frame: unknown) => {
      if (typeof frame === 'string' || frame instanceof Uint8Array) listener(frame);
    };
    ipcRenderer.on(FRAME_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(FRAME_CHANNEL, wrapped);
    };
  },
});
