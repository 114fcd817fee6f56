// The app's services (API client, typed routes, the in-memory token store),
// made once and handed down through React context.

import { createContext, useContext, useSyncExternalStore, type ReactNode } from "react";
import { ApiClient, type ApiError } from "./api";
import { AccountApi } from "./account";
import { AdminApi } from "./admin";
import { ContainersApi } from "./containers";
import { Dokkerr } from "./dokkerr";
import { PlatformApi } from "./platform";
import { ResourcesApi } from "./resources";
import { StacksApi } from "./stacks";
import { TokenStore } from "./tokens";

type Listener = (error: ApiError) => void;

export interface Services {
  tokens: TokenStore;
  api: ApiClient;
  dokkerr: Dokkerr;
  containers: ContainersApi;
  resources: ResourcesApi;
  stacks: StacksApi;
  admin: AdminApi;
  platform: PlatformApi;
  account: AccountApi;
  /** Subscribes to "the session could not be kept"; returns the unsubscribe function. */
  onSessionLost(listener: Listener): () => void;
}

export function createServices(options: { fetch?: typeof fetch; timeoutMs?: number } = {}): Services {
  const tokens = new TokenStore();
  const listeners = new Set<Listener>();
  const api = new ApiClient({
    tokens,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    onSessionLost: (error) => {
      for (const listener of [...listeners]) listener(error);
    },
  });
  return {
    tokens,
    api,
    dokkerr: new Dokkerr(api),
    containers: new ContainersApi(api),
    resources: new ResourcesApi(api),
    stacks: new StacksApi(api),
    admin: new AdminApi(api),
    platform: new PlatformApi(api),
    account: new AccountApi(api),
    onSessionLost(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices outside ServicesProvider");
  return services;
}

export function useDokkerr(): Dokkerr {
  return useServices().dokkerr;
}

export function useSignedIn(): boolean {
  const { tokens } = useServices();
  return useSyncExternalStore(tokens.subscribe, () => tokens.signedIn, () => false);
}
