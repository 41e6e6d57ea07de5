// Which signal a topic carries and how a message on it is encoded. Topics are names or, when they
// start with ^, regular expressions (as in the Collector's Kafka receiver); a content-type header,
// where present, decides between OTLP protobuf and OTLP JSON.
import type { BraidConfig, Encoding, Signal } from "../schemas/config.js";
import { DecodeError } from "./decoders/decode-error.js";

export interface TopicRoute {
  signal: Signal;
  /** Exact topic name, or undefined when `pattern` is used. */
  topic?: string;
  pattern?: RegExp;
  encoding: Encoding;
}

const signalSettings = (config: BraidConfig) =>
  [
    ["traces", config.kafka.traces],
    ["metrics", config.kafka.metrics],
    ["logs", config.kafka.logs],
    ["app_logs", config.kafka.appLogs],
    ["changes", config.kafka.changes],
  ] as const;

export function topicRoutes(config: BraidConfig): TopicRoute[] {
  return signalSettings(config).map(([signal, settings]) =>
    settings.topic.startsWith("^")
      ? { signal, pattern: new RegExp(settings.topic), encoding: settings.encoding }
      : { signal, topic: settings.topic, encoding: settings.encoding },
  );
}

export function routeFor(routes: readonly TopicRoute[], topic: string): TopicRoute | undefined {
  return routes.find((route) => (route.topic !== undefined ? route.topic === topic : route.pattern!.test(topic)));
}

/** The encoding of one message: the content-type header wins over the topic's configured one. */
export function messageEncoding(route: TopicRoute, contentType: string | undefined): Encoding {
  if (route.signal === "app_logs") return "app_log";
  if (route.signal === "changes") return "change_event";
  if (!contentType) return route.encoding;
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  if (mediaType === "application/x-protobuf" || mediaType === "application/protobuf" || mediaType === "application/vnd.google.protobuf") return "otlp_proto";
  if (mediaType === "application/json") return "otlp_json";
  throw new DecodeError("unsupported_content_type", `content-type '${contentType}' is neither application/x-protobuf nor application/json`);
}
