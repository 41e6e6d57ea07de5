// The frame of every view: navigation, the API-key prompt when the server asks for a key.
import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";
import { apiKeyState } from "../api.js";
import { href, uiBase } from "../url-state.js";

const sections = [
  { path: "/incidents", label: "Incidents" },
  { path: "/services", label: "Service map" },
  { path: "/logs", label: "Logs" },
  { path: "/errors", label: "Errors" },
  { path: "/alerts", label: "Alerts" },
  { path: "/glossary", label: "Glossary" },
];

export function Layout({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const [, rerender] = useState(0);
  useEffect(() => apiKeyState.subscribe(() => rerender((n) => n + 1)), []);
  const current = path.slice(uiBase.length);
  return (
    <>
      <header class="topbar">
        <a class="brand" href={href("/incidents")}>
          <img src={new URL("../favicon.svg", import.meta.url).href} alt="" width="22" height="22" />
          Braid
        </a>
        <nav aria-label="Sections">
          {sections.map((section) => (
            <a href={href(section.path)} class={current.startsWith(section.path) || (section.path === "/services" && current.startsWith("/services")) ? "active" : ""} aria-current={current.startsWith(section.path) ? "page" : undefined}>
              {section.label}
            </a>
          ))}
        </nav>
        <div class="topbar-end">
          {apiKeyState.hasKey && (
            <button type="button" class="link-button" onClick={() => apiKeyState.setKey("")} title="Forget the API key of this tab">
              Forget API key
            </button>
          )}
          <a href="/api/docs/openapi.json" class="muted" title="Every view is an API call: the OpenAPI document">
            API
          </a>
        </div>
      </header>
      <main id="main">{children}</main>
      {apiKeyState.requested !== null && <KeyPrompt reason={apiKeyState.requested} />}
    </>
  );
}

/** Asks for an API key after a 401; the key is kept in sessionStorage (this tab only), never in the URL. */
function KeyPrompt({ reason }: { reason: string }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <div class="modal-backdrop" role="dialog" aria-modal="true" aria-labelledby="key-title">
      <form
        class="modal"
        onSubmit={(event) => {
          event.preventDefault();
          apiKeyState.setKey(input.current?.value.trim() ?? "");
        }}
      >
        <h2 id="key-title">API key required</h2>
        <p class="muted">{reason}</p>
        <label>
          API key
          <input ref={input} type="password" name="apiKey" autocomplete="off" spellcheck={false} required />
        </label>
        <p class="muted small">Kept in this browser tab's session storage only, and sent as an Authorization: Bearer header to this Braid.</p>
        <div class="modal-actions">
          <button type="button" class="secondary" onClick={() => apiKeyState.dismiss()}>
            Cancel
          </button>
          <button type="submit">Use key</button>
        </div>
      </form>
    </div>
  );
}
