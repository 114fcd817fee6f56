// Typed calls of the v1 routes for: Container creation, inspect, logs, stats and the exec console (the create form and the detail view) (see docs/api/v1.md).

import type { ApiClient } from "./api";

export class ContainersApi {
  constructor(readonly api: ApiClient) {}
}
