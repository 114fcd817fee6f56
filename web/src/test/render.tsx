import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createServices, ServicesProvider, type Services } from "../lib/services";
import { fakeFetch, type Responder } from "./fakeFetch";

/** Renders `ui` with services whose fetch is scripted by `respond`. */
export function renderWithServices(ui: ReactElement, respond: Responder, options: { signedIn?: boolean } = {}) {
  const fake = fakeFetch(respond);
  const services: Services = createServices({ fetch: fake.fetch });
  if (options.signedIn) {
    services.tokens.set({ access_token: "access-1", refresh_token: "refresh-1", token_type: "Bearer", expires_in: 900 });
  }
  const result = render(<ServicesProvider services={services}>{ui}</ServicesProvider>);
  return { ...result, services, calls: fake.calls };
}
