// Pieces the directory sections share: which field a problem is about, and the "not found"
// answer for an organization or team the caller cannot see.

import { ErrorNotice } from "../../components/ErrorNotice";
import { ApiError } from "../../lib/api";
import { Link } from "../../lib/router";
import "./directory.css";

/** The field a problem is about, by its code (`codes`: code → field name), or null. */
export function problemField(error: unknown, codes: Record<string, string>): string | null {
  return error instanceof ApiError ? (codes[error.code] ?? null) : null;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/**
 * Another organization's objects answer the same 404 as missing ones: both read as "not found
 * (or not yours)", with the way back.
 */
export function NotFoundNotice({ what, error, back, backLabel }: { what: string; error: unknown; back: string; backLabel: string }) {
  return (
    <div>
      <ErrorNotice error={error} prefix={`${what} not found, or not visible to you`} />
      <p>
        <Link to={back}>{backLabel}</Link>
      </p>
    </div>
  );
}
