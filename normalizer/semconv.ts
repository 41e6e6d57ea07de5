// Semantic-convention keys reconciled to the current stable names. The original key stays (so
// nothing a query or dashboard used disappears) and the current key is added when the item does
// not have it already; a value under the current key always wins.

/** Deprecated key → current key (OpenTelemetry semantic conventions, HTTP/network/DB migrations). */
export const renamedAttributes: ReadonlyMap<string, string> = new Map([
  // HTTP (stable since semconv 1.23)
  ["http.method", "http.request.method"],
  ["http.status_code", "http.response.status_code"],
  ["http.url", "url.full"],
  ["http.scheme", "url.scheme"],
  ["http.user_agent", "user_agent.original"],
  ["http.request_content_length", "http.request.body.size"],
  ["http.response_content_length", "http.response.body.size"],
  ["http.client_ip", "client.address"],
  ["http.flavor", "network.protocol.version"],
  // network (stable since 1.23)
  ["net.peer.name", "server.address"],
  ["net.peer.port", "server.port"],
  ["net.host.name", "server.address"],
  ["net.host.port", "server.port"],
  ["net.peer.ip", "network.peer.address"],
  ["net.sock.peer.addr", "network.peer.address"],
  ["net.sock.peer.port", "network.peer.port"],
  ["net.host.ip", "network.local.address"],
  ["net.sock.host.addr", "network.local.address"],
  ["net.sock.host.port", "network.local.port"],
  ["net.transport", "network.transport"],
  ["net.protocol.name", "network.protocol.name"],
  ["net.protocol.version", "network.protocol.version"],
  // database (stable since 1.26 / 1.33)
  ["db.statement", "db.query.text"],
  ["db.operation", "db.operation.name"],
  ["db.name", "db.namespace"],
  ["db.sql.table", "db.collection.name"],
  ["db.system", "db.system.name"],
  // messaging
  ["messaging.destination", "messaging.destination.name"],
  ["messaging.kafka.partition", "messaging.destination.partition.id"],
  ["messaging.kafka.destination.partition", "messaging.destination.partition.id"],
  ["messaging.kafka.message_key", "messaging.kafka.message.key"],
  ["messaging.message_id", "messaging.message.id"],
  // code, scope, deployment
  ["code.function", "code.function.name"],
  ["code.filepath", "code.file.path"],
  ["code.lineno", "code.line.number"],
  ["code.column", "code.column.number"],
  ["otel.library.name", "otel.scope.name"],
  ["otel.library.version", "otel.scope.version"],
  ["deployment.environment", "deployment.environment.name"],
]);

/**
 * Adds current-name keys for deprecated ones found in `attributes` (in place). `found` lists the
 * deprecated keys present, collected while building the map so items without any cost nothing.
 */
export function addCurrentNames(attributes: Record<string, string>, found: readonly string[]): void {
  for (const oldKey of found) {
    const value = attributes[oldKey];
    if (value === undefined) continue;
    if (oldKey === "http.target") {
      // http.target is path + query: split into url.path and url.query.
      const q = value.indexOf("?");
      if (attributes["url.path"] === undefined) attributes["url.path"] = q < 0 ? value : value.slice(0, q);
      if (q >= 0 && attributes["url.query"] === undefined) attributes["url.query"] = value.slice(q + 1);
      continue;
    }
    const newKey = renamedAttributes.get(oldKey)!;
    if (attributes[newKey] === undefined) attributes[newKey] = value;
  }
}

/** Whether a key has a current name (http.target included, handled specially). */
export function isDeprecatedKey(key: string): boolean {
  return key === "http.target" || renamedAttributes.has(key);
}
