// A new Swarm service, from the service form; once the managers accept it, its page follows,
// where its tasks come up.

import { EnvironmentSelect } from "../../components/EnvironmentSelect";
import { useAction } from "../../lib/hooks";
import { Link, navigate } from "../../lib/router";
import { useSession } from "../../lib/session";
import { servicePermissions, useSwarmApi } from "../../lib/swarm";
import { ServiceForm } from "./ServiceForm";
import type { SectionProps } from "./SwarmParts";

export default function CreateServicePage({ choice, env }: SectionProps) {
  const swarm = useSwarmApi();
  const session = useSession();
  const may = servicePermissions(session.canIn, env);
  const { busy, error, run } = useAction();

  return (
    <>
      <h1 id="page-title">New service</h1>
      <div className="toolbar">
        <EnvironmentSelect choice={choice} />
        <Link to="/swarm/services" query={{ env }}>
          Back to the services
        </Link>
      </div>
      {!may.create ? (
        <div className="notice notice-info">
          <p>
            You may not create services in this environment: that takes a team role with <span className="mono">containers:create</span> in a
            team granted it.
          </p>
        </div>
      ) : (
        <ServiceForm
          // Another environment lists other secrets and teams: the form starts again.
          key={env}
          env={env}
          busy={busy}
          error={error}
          errorPrefix="Could not create the service"
          submitLabel="Create service"
          busyLabel="Creating…"
          onSubmit={(spec, team) =>
            run(async () => {
              const created = await swarm.create(env, spec, team || undefined);
              navigate("/swarm/services/view", { env, id: created.id });
            })
          }
        />
      )}
    </>
  );
}
