// Typed calls of the v1 routes for: The caller's own account: profile, preferences, password, two-factor enrolment, sessions, API keys (see docs/api/v1.md).

import type { ApiClient } from "./api";

export class AccountApi {
  constructor(readonly api: ApiClient) {}
}
