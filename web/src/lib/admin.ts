// Typed calls of the v1 routes for: the directory: users, organizations and their members and custom roles, teams, their members and security policies (see docs/api/v1.md).

import type { ApiClient } from "./api";

export class AdminApi {
  constructor(readonly api: ApiClient) {}
}
