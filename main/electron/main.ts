// The thin Electron shell: a locked-down window, the app:// protocol, and an IPC relay to the
// services, which run in a utility process so SSH handshakes never stall the UI thread.
import path from 'node:path';
import { app, BrowserWindow, ipcMain, session, shell, utilityProcess, type UtilityProcess } from 'electron';
import { safeExternalUrl } from '../common/urls.js';
import type { RelayMessage } from '../node/utility-entry.js';
import { defaultWorkspaceDir } from '../node/paths.js';
import { APP_ORIGIN, registerAppProtocol, registerAppScheme } from './protocol.js';
import { createSafeStorageCipher } from './safe-storage.js';
import type { SecretCipher } from '../node/secrets/store.js';

const distDir = path.resolve(__dirname, '..');
const rendererDir = path.join(distDir, 'renderer');
const FRAME_CHANNEL = 'cw:frame';

registerAppScheme();

const workspaceDir = process.env.CLUSTERWRIGHT_WORKSPACE ?? defaultWorkspaceDir();
let services: UtilityProcess | null = null;
let mainWindow: BrowserWindow | null = null;

function startServices(): UtilityProcess {
  const child = utilityProcess.fork(path.join(distDir, 'electron', 'services.cjs'), [], {
    serviceName: 'Clusterwright services',
    stdio: 'inherit',
    env: { ...process.env, CLUSTERWRIGHT_WORKSPACE: workspaceDir },
  });
  let cipher: Promise<SecretCipher> | null = null;
  child.on('message', (message: RelayMessage) => {
    if (message.kind === 'cipher') {
      // safeStorage lives here; a refusal (no keyring: basic_text) fails the operation with its reason.
      cipher ??= createSafeStorageCipher();
      const { id, op, data } = message;
      void cipher
        .then(async (c): Promise<string | Uint8Array> => (op === 'seal' ? new Uint8Array(await c.seal(String(data))) : c.open(Buffer.from(data as Uint8Array))))
        .then(
          (result) => child.postMessage({ kind: 'cipher-result', id, ok: true, data: result } satisfies RelayMessage),
          (error: unknown) => {
            cipher = null;
            child.postMessage({ kind: 'cipher-result', id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies RelayMessage);
          },
        );
      return;
    }
    if (message.kind !== 'frame' || !mainWindow || mainWindow.webContents.id !== message.session) return;
    mainWindow.webContents.send(FRAME_CHANNEL, message.frame);
  });
  child.on('exit', (code) => {
    if (code !== 0) console.error(`Clusterwright services stopped unexpectedly (exit code ${code}).`);
    services = null;
  });
  return child;
}

function lockDown(win: BrowserWindow): void {
  const contents = win.webContents;
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(APP_ORIGIN + '/')) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // No new windows; http(s) links (from terminals) go to the system browser after validation.
  contents.setWindowOpenHandler(({ url }) => {
    const safe = safeExternalUrl(url);
    if (safe) void shell.openExternal(safe);
    return { action: 'deny' };
  });
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    title: 'Clusterwright',
    show: false,
    webPreferences: {
      preload: path.join(distDir, 'preload', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  lockDown(win);
  win.once('ready-to-show', () => win.show());
  const contentsId = win.webContents.id;
  win.on('closed', () => {
    services?.postMessage({ kind: 'closed', session: contentsId } satisfies RelayMessage);
    mainWindow = null;
  });
  mainWindow = win;
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

ipcMain.on(FRAME_CHANNEL, (event, frame: unknown) => {
  // Only the main window's own top frame, loaded from app://, may talk to the services.
  const sender = event.senderFrame;
  if (!mainWindow || event.sender !== mainWindow.webContents || !sender || sender !== event.sender.mainFrame) return;
  if (!sender.url.startsWith(APP_ORIGIN + '/')) return;
  if (typeof frame !== 'string' || frame.length > 16 * 1024 * 1024) return;
  services?.postMessage({ kind: 'frame', session: event.sender.id, frame } satisfies RelayMessage);
});

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  registerAppProtocol(rendererDir);
  services = startServices();
  createWindow();
  console.log(`Clusterwright ${app.getVersion()} (desktop). Workspace folder: ${workspaceDir}`);
});

app.on('window-all-closed', () => {
  services?.kill();
  app.quit();
});
