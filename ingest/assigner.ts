// The group's partition assignment when each member subscribes to other topics: ingest runs one
// kafkajs consumer per signal, all in the one consumer group (docs/ingest.md, "One consumer per
// signal"). kafkajs' RoundRobinAssigner cannot do that: the group leader assigns only the topics
// it subscribes to itself, to every member alike, so the other signals' topics would get no
// consumer. This assigner reads each member's subscription from its metadata and deals each
// topic's partitions round-robin among the members subscribed to it, as the Java client's
// RoundRobinAssignor does.
import kafkajs, { type PartitionAssigner } from "kafkajs";

const { AssignerProtocol } = kafkajs;

export interface MemberSubscription {
  memberId: string;
  topics: readonly string[];
}

/** Pure: partitions per topic per member. Every member appears, with an empty assignment if need be. */
export function assignBySubscription(members: readonly MemberSubscription[], partitionsOf: (topic: string) => number[]): Map<string, Record<string, number[]>> {
  const assignment = new Map<string, Record<string, number[]>>(members.map((member) => [member.memberId, {}]));
  const topics = [...new Set(members.flatMap((member) => member.topics))].sort();
  let turn = 0; // carried across topics, so one-partition topics do not all land on the first member
  for (const topic of topics) {
    const subscribers = members.filter((member) => member.topics.includes(topic)).map((member) => member.memberId).sort();
    for (const partition of [...partitionsOf(topic)].sort((a, b) => a - b)) {
      const memberId = subscribers[turn++ % subscribers.length]!;
      (assignment.get(memberId)![topic] ??= []).push(partition);
    }
  }
  return assignment;
}

export const subscriptionAssignerName = "BraidSubscriptionRoundRobin";

export const subscriptionAwareAssigner: PartitionAssigner = ({ cluster }) => ({
  name: subscriptionAssignerName,
  version: 0,
  async assign({ members }) {
    const subscriptions = members.map(({ memberId, memberMetadata }) => ({ memberId, topics: AssignerProtocol.MemberMetadata.decode(memberMetadata)?.topics ?? [] }));
    // The leader's client knows the metadata of its own topics only; fetch the others'.
    const cl = cluster as unknown as { addMultipleTargetTopics(topics: string[]): Promise<void>; findTopicPartitionMetadata(topic: string): { partitionId: number }[] };
    await cl.addMultipleTargetTopics([...new Set(subscriptions.flatMap((s) => s.topics))]);
    const assignment = assignBySubscription(subscriptions, (topic) => cl.findTopicPartitionMetadata(topic).map((p) => p.partitionId));
    return [...assignment].map(([memberId, topics]) => ({ memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: topics, userData: Buffer.alloc(0) }) }));
  },
  protocol({ topics }) {
    return { name: subscriptionAssignerName, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
