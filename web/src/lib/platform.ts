// Typed calls of the v1 routes for: platform administration: environments and their grants, the audit log, OpenID Connect providers, settings (see docs/api/v1.md).

import type { ApiClient } from "./api";

export class PlatformApi {
  constructor(readonly api: ApiClient) {}
}
