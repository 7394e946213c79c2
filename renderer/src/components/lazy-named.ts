// A component from a module loaded on first render (its own chunk in the build), for screens not on
// screen at first paint: the main bundle evaluates faster. Render it inside a <Suspense> boundary.
import { lazy, type ComponentType } from 'react';

type PropsOf<C> = C extends ComponentType<infer P> ? P : never;

export function lazyNamed<M, K extends keyof M>(load: () => Promise<M>, name: K): M[K] {
  return lazy(async () => ({ default: (await load())[name] as ComponentType<PropsOf<M[K]>> })) as unknown as M[K];
}
