// Swarm (#/swarm/<section>?env=…): the services, stacks, nodes, secrets and configs of an environment
// whose engine manages a Swarm, one section at a time. The environment's Swarm state is read
// first: on any other engine every Swarm route answers 409 not_swarm_manager, so the sections
// give way to a word saying why there is nothing to show.

import type { ReactNode } from "react";
import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useEnvironmentChoice } from "../../lib/environments";
import { useLoad } from "../../lib/hooks";
import { Link } from "../../lib/router";
import { useSwarmApi, type SwarmStatus } from "../../lib/swarm";
import { PlaceholderPage } from "../PlaceholderPage";
import CreateServicePage from "./CreateServicePage";
import DeployStackPage from "./DeployStackPage";
import NodesSection from "./NodesSection";
import SecretsSection from "./SecretsSection";
import ServiceDetailPage from "./ServiceDetailPage";
import ServicesSection from "./ServicesSection";
import StacksSection from "./StacksSection";
import SwarmStackPage from "./SwarmStackPage";
import { NotManagerNotice, type SectionProps } from "./SwarmParts";
import "./swarm.css";

export const SWARM_SECTIONS = [
  { id: "services", label: "Services" },
  { id: "stacks", label: "Stacks" },
  { id: "nodes", label: "Nodes" },
  { id: "secrets", label: "Secrets & configs" },
] as const;

type SectionId = (typeof SWARM_SECTIONS)[number]["id"];

/** The pages inside a section besides its list. */
const PAGES: Partial<Record<SectionId, readonly string[]>> = {
  services: ["new", "view"],
  stacks: ["new", "view", "update"],
};

/** What a section gets: the environment choice (its toolbar) and the Swarm it manages. */
/** "services/view" → the section "services" and the page "view" in it. */
function parse(section: string): { id: SectionId; page: string } | null {
  const [first = "", page = "", ...rest] = section.split("/");
  if (rest.length > 0) return null;
  const id = first === "" ? "services" : first;
  const known = SWARM_SECTIONS.find((s) => s.id === id);
  if (!known) return null;
  if (page !== "" && !PAGES[known.id]?.includes(page)) return null;
  return { id: known.id, page };
}

function Section({ id, page, objectId, tab, props }: { id: SectionId; page: string; objectId: string; tab: string; props: SectionProps }) {
  switch (id) {
    case "services":
      if (page === "new") return <CreateServicePage {...props} />;
      if (page === "view") return <ServiceDetailPage {...props} id={objectId} tab={tab} />;
      return <ServicesSection {...props} />;
    case "stacks":
      // A stack's name is its id in the address.
      if (page === "new") return <DeployStackPage {...props} />;
      if (page === "update") return <DeployStackPage {...props} name={objectId} />;
      if (page === "view") return <SwarmStackPage {...props} name={objectId} />;
      return <StacksSection {...props} />;
    case "nodes":
      return <NodesSection {...props} />;
    case "secrets":
      return <SecretsSection {...props} tab={tab} />;
  }
}

export default function SwarmPage({ section, id, tab }: { section: string; id: string; tab: string }) {
  const choice = useEnvironmentChoice();
  const env = choice.env;
  const swarm = useSwarmApi();
  const status = useLoad<SwarmStatus | undefined>((signal) => (env ? swarm.status(env, signal) : Promise.resolve(undefined)), [swarm, env]);
  const where = parse(section);
  if (!where) return <PlaceholderPage title="Page not found" message="There is no page at this address." />;
  const label = SWARM_SECTIONS.find((s) => s.id === where.id)!.label;
  const manager = !status.loading && !status.error && status.data?.manager === true ? status.data : null;

  let content: ReactNode;
  if (manager) {
    content = <Section id={where.id} page={where.page} objectId={id} tab={tab} props={{ choice, env, status: manager }} />;
  } else {
    content = (
      <>
        <h1 id="page-title">{label}</h1>
        <div className="toolbar">
          <EnvironmentSelect choice={choice} />
          <div className="toolbar-actions">
            <button type="button" className="button-secondary" onClick={status.reload} disabled={!env || status.loading}>
              Check again
            </button>
          </div>
        </div>
        <ErrorNotice error={choice.loaded.error} prefix="Could not load the environments" />
        {choice.loaded.loading || (env && status.loading) ? <p role="status">Loading the environment's Swarm state…</p> : null}
        {!choice.loaded.loading && !choice.loaded.error && choice.environments.length === 0 ? (
          <p className="muted">No environment is available to you.</p>
        ) : null}
        <ErrorNotice error={status.loading ? null : status.error} prefix="Could not read the environment's Swarm state" />
        {!status.loading && status.data && !status.data.manager ? <NotManagerNotice status={status.data} /> : null}
      </>
    );
  }

  return (
    <section aria-labelledby="page-title" className="swarm-layout">
      <nav aria-label="Swarm" className="sub-nav">
        <ul>
          {SWARM_SECTIONS.map((s) => (
            <li key={s.id}>
              <Link to={`/swarm/${s.id}`} query={{ env }} aria-current={s.id === where.id ? "page" : undefined}>
                {s.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="swarm-content">{content}</div>
    </section>
  );
}
