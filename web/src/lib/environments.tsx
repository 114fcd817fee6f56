// The environments the caller may use, loaded once for the shell, and the one a page works in:
// ?env= in the page's address, else the account's default environment, else the first one up.

import { createContext, useContext, type ReactNode } from "react";
import type { Environment } from "./dokkerr";
import { useLoad, type Loaded } from "./hooks";
import { navigate, useRoute } from "./router";
import { useSession } from "./session";
import { useDokkerr } from "./services";

const EnvironmentsContext = createContext<Loaded<Environment[]> | null>(null);

export function EnvironmentsProvider({ children }: { children: ReactNode }) {
  const dokkerr = useDokkerr();
  const loaded = useLoad((signal) => dokkerr.environments(signal), [dokkerr]);
  return <EnvironmentsContext.Provider value={loaded}>{children}</EnvironmentsContext.Provider>;
}

export function useEnvironments(): Loaded<Environment[]> {
  const loaded = useContext(EnvironmentsContext);
  if (!loaded) throw new Error("useEnvironments outside EnvironmentsProvider");
  return loaded;
}

/** Picks the environment: the requested one if known, else the preferred, else the first up, else the first. */
export function chooseEnvironment(list: Environment[], requested: string | null | undefined, preferred: string | null | undefined): string {
  const known = (id: string | null | undefined) => (id && list.some((e) => e.id === id) ? id : undefined);
  return known(requested) ?? known(preferred) ?? list.find((e) => e.status === "up")?.id ?? list[0]?.id ?? "";
}

export interface EnvironmentChoice {
  environments: Environment[];
  /** "" while the list loads or when there is none. */
  env: string;
  /** Moves this page to another environment (in its address, so links and reloads keep it). */
  setEnv: (id: string) => void;
  loaded: Loaded<Environment[]>;
}

export function useEnvironmentChoice(): EnvironmentChoice {
  const loaded = useEnvironments();
  const route = useRoute();
  const { user } = useSession();
  const environments = loaded.data ?? [];
  const env = chooseEnvironment(environments, route.query.get("env"), user?.preferences?.default_environment);
  const setEnv = (id: string) => {
    const query: Record<string, string> = {};
    route.query.forEach((value, key) => {
      query[key] = value;
    });
    navigate(route.path, { ...query, env: id });
  };
  return { environments, env, setEnv, loaded };
}
