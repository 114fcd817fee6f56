import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change (aborting the previous run) and on reload(). */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (cause: unknown) => {
        if (controller.signal.aborted) return;
        setError(cause);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

type OnError = (error: unknown) => boolean | void;

export interface Action {
  /** True while an action runs. */
  busy: boolean;
  /** What the last action threw, until the next one starts. */
  error: unknown;
  setError: (error: unknown) => void;
  /**
   * Runs `action` with `busy` set and the last error cleared. What it throws goes to `onError`
   * first, and becomes `error` unless `onError` answers true (it has shown the problem itself).
   * Resolves to whether the action succeeded.
   */
  run: (action: () => Promise<unknown>, onError?: OnError) => Promise<boolean>;
}

/** The busy and error state of a request a person starts (a form's submit, a confirmed delete). */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<unknown>, onError?: OnError) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (cause) {
      if (onError?.(cause) !== true) setError(cause);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

export interface Confirmed<T> {
  /** What the question is about while it is asked, else null. */
  subject: T | null;
  busy: boolean;
  error: unknown;
  ask: (subject: T) => void;
  cancel: () => void;
  /** Runs the action on the subject. */
  confirm: () => Promise<void>;
}

/**
 * An action on one object that a dialog asks a person to confirm first (a delete). When it fails
 * the question stays open with the error in it; with `closeOnFailure` it closes and the page shows
 * the error instead, until the next try.
 */
export function useConfirmed<T>(action: (subject: T) => Promise<unknown>, { closeOnFailure = false } = {}): Confirmed<T> {
  const [subject, setSubject] = useState<T | null>(null);
  const { busy, error, setError, run } = useAction();
  return {
    subject,
    busy,
    error,
    ask: (next) => {
      if (!closeOnFailure) setError(null);
      setSubject(next);
    },
    cancel: () => setSubject(null),
    confirm: async () => {
      if (subject === null) return;
      const target = subject;
      if ((await run(() => action(target))) || closeOnFailure) setSubject(null);
    },
  };
}

/**
 * Focus after a refused submit: the form takes `ref`, and after each `refused()` the first field
 * in it marked aria-invalid="true" gets the focus once the page shows the problems.
 */
export function useFocusInvalid() {
  const ref = useRef<HTMLFormElement>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (attempt > 0) ref.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [attempt]);
  const refused = useCallback(() => setAttempt((n) => n + 1), []);
  return { ref, refused };
}

/** `value`, once it has stopped changing for `delayMs`. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}
