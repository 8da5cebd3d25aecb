import { useEffect, useReducer } from 'preact/hooks';

/** A minimal observable state container; components re-render on every change (the state is small). */
export interface Store<T> {
  get(): T;
  set(patch: Partial<T> | ((state: T) => Partial<T>)): void;
  subscribe(listener: () => void): () => void;
}

export function createStore<T extends object>(initial: T): Store<T> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(patch) {
      const next = typeof patch === 'function' ? patch(state) : patch;
      state = { ...state, ...next };
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore<T extends object>(store: Store<T>): T {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => store.subscribe(() => bump(1)), [store]);
  return store.get();
}

/** Calls `fn` at most once per `ms`: at once when idle, otherwise once more at the end of the window. */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let last = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    pending = undefined;
    last = Date.now();
    fn();
  };
  const throttled = () => {
    if (pending) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) run();
    else pending = setTimeout(run, wait);
  };
  throttled.cancel = () => {
    clearTimeout(pending);
    pending = undefined;
    last = 0;
  };
  return throttled;
}
