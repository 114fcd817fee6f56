// Typed calls of the v1 routes for: Images, networks and volumes of an environment (see docs/api/v1.md).

import type { ApiClient } from "./api";

export class ResourcesApi {
  constructor(readonly api: ApiClient) {}
}
