// Typed calls of the v1 routes for: Administration: users, organizations, teams and members, roles, team policies, environments and grants, audit, OpenID Connect providers, settings (see docs/api/v1.md).

import type { ApiClient } from "./api";

export class AdminApi {
  constructor(readonly api: ApiClient) {}
}
