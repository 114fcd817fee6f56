import type { ReactNode } from "react";
import { ApiError, errorText } from "../lib/api";

/** An error as a person reads it: the problem document's detail (or title), with its code. */
export function ErrorNotice({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="notice notice-error" role="alert">
      <p>
        {prefix ? `${prefix}: ` : ""}
        {errorText(error)}
      </p>
      {code ? <p className="notice-code">Code: {code}</p> : null}
    </div>
  );
}

/** What just happened, announced politely (role="status"); nothing when there is nothing to say. */
export function InfoNotice({ children }: { children?: ReactNode }) {
  if (children === null || children === undefined || children === false || children === "") return null;
  return (
    <p role="status" className="notice notice-info">
      {children}
    </p>
  );
}
