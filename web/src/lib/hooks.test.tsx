import { act, cleanup, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { useAction, useConfirmed } from "./hooks";

describe("useAction", () => {
  afterEach(cleanup);

  it("is busy while the action runs, keeps what it threw, and clears that at the next run", async () => {
    const { result } = renderHook(() => useAction());
    let finish: () => void = () => undefined;
    let done!: Promise<boolean>;
    act(() => {
      done = result.current.run(() => new Promise<void>((resolve) => (finish = resolve)));
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      finish();
      expect(await done).toBe(true);
    });
    expect(result.current.busy).toBe(false);

    const failure = new Error("refused");
    await act(async () => {
      expect(await result.current.run(() => Promise.reject(failure))).toBe(false);
    });
    expect(result.current.error).toBe(failure);
    await act(async () => {
      await result.current.run(() => Promise.resolve());
    });
    expect(result.current.error).toBeNull();
  });

  it("leaves the error to onError when it answers true", async () => {
    const { result } = renderHook(() => useAction());
    const seen: unknown[] = [];
    await act(async () => {
      await result.current.run(
        () => Promise.reject(new Error("by the field")),
        (error) => {
          seen.push(error);
          return true;
        },
      );
    });
    expect(seen).toHaveLength(1);
    expect(result.current.error).toBeNull();
  });
});

describe("useConfirmed", () => {
  afterEach(cleanup);

  it("runs the action on what was asked about; a failure keeps the question open with its error", async () => {
    const done: string[] = [];
    let fail = true;
    const { result } = renderHook(() =>
      useConfirmed(async (name: string) => {
        if (fail) throw new Error(`no ${name}`);
        done.push(name);
      }),
    );
    act(() => result.current.ask("a"));
    await act(() => result.current.confirm());
    expect(result.current.subject).toBe("a");
    expect(result.current.error).toEqual(new Error("no a"));

    act(() => result.current.cancel());
    act(() => result.current.ask("b"));
    expect(result.current.error).toBeNull();
    fail = false;
    await act(() => result.current.confirm());
    expect(done).toEqual(["b"]);
    expect(result.current.subject).toBeNull();
  });

  it("with closeOnFailure closes the question either way and keeps the error until the next try", async () => {
    const { result } = renderHook(() => useConfirmed(() => Promise.reject(new Error("refused")), { closeOnFailure: true }));
    act(() => result.current.ask("a"));
    await act(() => result.current.confirm());
    expect(result.current.subject).toBeNull();
    act(() => result.current.ask("b"));
    expect(result.current.error).toEqual(new Error("refused"));
  });
});
