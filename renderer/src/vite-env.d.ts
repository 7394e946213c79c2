declare module '*.css';

interface ImportMeta {
  /** Vite: a lazy loader per file matching the pattern, keyed by path (resolved when the renderer is built). */
  glob(pattern: string): Record<string, () => Promise<unknown>>;
}
