// Alerts (firing and pending) and silences: built against the alerts API (GET /api/v1/alerts)
// when this Braid serves it.
import { useApi } from "../api.js";
import { Empty, Loaded, Panel } from "../components/common.js";

export function AlertsPage() {
  const alerts = useApi<unknown>("/api/v1/alerts");
  return (
    <div class="page">
      <div class="page-head">
        <h1>Alerts</h1>
      </div>
      <Panel>
        {alerts.error && "status" in alerts.error && alerts.error.status === 404 ? (
          <Empty>This Braid does not serve the alerts API (GET /api/v1/alerts) yet.</Empty>
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
