import { describe, expect, it } from "vitest";
import { operatorLevel } from "./kafka-logs.js";

// Lines as kafkajs 2.2.4 logs them, captured from Braid starting on a fresh KRaft broker.
describe("operatorLevel of kafkajs log lines", () => {
  it.each([
    ["The group coordinator is not available", "GROUP_COORDINATOR_NOT_AVAILABLE"],
    ["This server does not host this topic-partition", "UNKNOWN_TOPIC_OR_PARTITION"],
    ["This server is not the leader for that topic-partition", "NOT_LEADER_FOR_PARTITION"],
    ["There is no leader for this topic-partition as we are in the middle of a leadership election", "LEADER_NOT_AVAILABLE"],
    ["The coordinator is loading and hence can't process requests for this group", "GROUP_LOAD_IN_PROGRESS"],
    ["The group is rebalancing, so a rejoin is needed", "REBALANCE_IN_PROGRESS"],
  ])("a broker answer '%s' that kafkajs retries is debug, marked transient, with its type", (error, type) => {
    expect(operatorLevel("error", "Response GroupCoordinator(key: 10, version: 2)", { broker: "127.0.0.1:9092", error })).toEqual({
      level: "debug",
      context: expect.objectContaining({ transient: true, kafkaError: type }),
    });
  });

  it("a restart after a retriable crash is debug (ingest logs the crash itself); a connection error is a warning", () => {
    expect(operatorLevel("error", "Restarting the consumer in 200ms", { retryTime: 200 }).level).toBe("debug");
    expect(operatorLevel("error", "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group", {}).level).toBe("debug");
    expect(operatorLevel("error", "Connection error: write after end", {}).level).toBe("warn");
    expect(operatorLevel("warn", "The group is rebalancing, so a rejoin is needed", { error: "The group is rebalancing, so a rejoin is needed" }).level).toBe("debug");
  });

  it("keeps ERROR for what an operator must act on", () => {
    expect(operatorLevel("error", "Response SaslAuthenticate(key: 36, version: 1)", { error: "Request is not valid given the current SASL state" }).level).toBe("error");
    expect(operatorLevel("error", "Crash: KafkaJSNonRetriableError: Topic authorization failed", {}).level).toBe("error");
    expect(operatorLevel("error", "Failed to send messages: The request included a message larger than the max message size the server will accept", {}).level).toBe("error");
    expect(operatorLevel("info", "Starting", {}).level).toBe("info");
  });
});
