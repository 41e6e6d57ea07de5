// The on-call page: a small single-page app under /ui/ (Preact, preact-iso's router). Each view
// is a URL; each view's data is a call to the public API.
import { render } from "preact";
import { LocationProvider, Route, Router, useLocation } from "preact-iso";
import { useEffect } from "preact/hooks";
import { Layout } from "./components/layout.js";
import { AlertsPage } from "./pages/alerts.js";
import { ErrorsPage } from "./pages/errors.js";
import { GlossaryPage } from "./pages/glossary.js";
import { IncidentPage } from "./pages/incident.js";
import { IncidentsPage } from "./pages/incidents.js";
import { LogsPage } from "./pages/logs.js";
import { ServiceMapPage, ServicePage } from "./pages/services.js";
import { TracePage } from "./pages/trace.js";
import { href } from "./url-state.js";

function Redirect({ to }: { to: string }) {
  const location = useLocation();
  useEffect(() => location.route(to, true), [to]);
  return null;
}

function NotFound() {
  return (
    <div class="page">
      <h1>Not found</h1>
      <p>
        No view at this address. <a href={href("/incidents")}>Incidents</a>
      </p>
    </div>
  );
}

// Route components receive the path parameters as props.
const Incident = ({ id }: { id: string }) => <IncidentPage id={id} />;
const TraceView = ({ id }: { id: string }) => <TracePage id={id} />;
const Service = ({ name }: { name: string }) => <ServicePage name={decodeURIComponent(name)} />;
const GlossaryCode = ({ code }: { code: string }) => <GlossaryPage code={decodeURIComponent(code)} />;

function App() {
  return (
    <LocationProvider scope="/ui">
      <Layout>
        <Router>
          <Route path="/ui/" component={() => <Redirect to={href("/incidents")} />} />
          <Route path="/ui/incidents" component={IncidentsPage} />
          <Route path="/ui/incidents/:id" component={Incident} />
          <Route path="/ui/traces/:id" component={TraceView} />
          <Route path="/ui/services" component={ServiceMapPage} />
          <Route path="/ui/services/:name" component={Service} />
          <Route path="/ui/logs" component={LogsPage} />
          <Route path="/ui/errors" component={ErrorsPage} />
          <Route path="/ui/alerts" component={AlertsPage} />
          <Route path="/ui/glossary" component={GlossaryPage} />
          <Route path="/ui/glossary/:code" component={GlossaryCode} />
          <Route default component={NotFound} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}

render(<App />, document.getElementById("app")!);
