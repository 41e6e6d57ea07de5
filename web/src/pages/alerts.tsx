// Alerts (firing and pending) and silences: built against the alerts API (GET /api/v1/alerts)
// when this Braid serves it; the OpenAPI document says whether it does.
import { useApi } from "../api.js";
import { Empty, Loaded, Panel } from "../components/common.js";

/** Whether this Braid serves `path` (from its OpenAPI document); undefined while unknown. */
export function useServes(path: string): boolean | undefined {
  const docs = useApi<{ paths: Record<string, unknown> }>("/api/docs/openapi.json");
  return docs.data ? path in docs.data.paths : docs.error ? false : undefined;
}

export function AlertsPage() {
  const served = useServes("/api/v1/alerts");
  const alerts = useApi<unknown>(served ? "/api/v1/alerts" : null);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Alerts</h1>
      </div>
      <Panel>
        {served === false ? (
          <Empty>This Braid does not serve the alerts API (GET /api/v1/alerts).</Empty>
        ) : (
          <Loaded state={alerts} what="alerts">
            {(data) => <pre class="mono small">{JSON.stringify(data, null, 2)}</pre>}
          </Loaded>
        )}
      </Panel>
    </div>
  );
}

/** The alerts linked to an incident; nothing while the alerts API is absent. */
export function AlertsOfIncident(_props: { incidentId: string }) {
  return null;
}
