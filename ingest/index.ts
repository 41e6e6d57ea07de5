export { startIngest, type IngestDeps, type IngestHandle } from "./consumer.js";
export { createKafka, ensureTopics } from "./kafka.js";
export { compressionNames, compressionTypeOf, registerCompressionCodecs, type CompressionName } from "./compression.js";
export { createIngestMetrics, type IngestMetrics } from "./metrics.js";
export { processBatch, decodeRequest, kafkaTimeNanos, type BatchOptions, type BatchResult, type DeadLetter, type DecodedRequest } from "./batch.js";
export { topicRoutes, routeFor, messageEncoding, type TopicRoute } from "./routing.js";
export { deadLetterHeaders, deadLetterRecord } from "./dead-letters.js";
export { DecodeError, type DeadLetterCode } from "./decoders/decode-error.js";
export { headersToStrings, type IngestMessage } from "./message.js";
