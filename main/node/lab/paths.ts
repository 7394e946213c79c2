// Where the CLI keeps a lab's state by default.
import path from 'node:path';
import { dataHome } from '../paths.js';

export function defaultLabStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dataHome(env), 'lab');
}
