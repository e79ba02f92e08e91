/**
 * A kafkajs partition assigner that gives each member the same partition
 * numbers of every subscribed topic (co-partitioning: partition p of all
 * inputs belongs to one task), balanced, and sticky: a member keeps the
 * partitions it had where balance allows, so a rebalance moves (and
 * restores) as little state as possible.
 */
import {
  AssignerProtocol,
  type Assigner,
  type Cluster,
  type PartitionAssigner,
} from './kafkajs.js';

export const CO_PARTITIONED_ASSIGNER = 'cdstream-co-partitioned';

interface MemberState {
  readonly memberId: string;
  readonly previous: number[];
}

/** Pure assignment: partition numbers per member. Exported for tests. */
export function assignPartitionNumbers(
  members: readonly MemberState[],
  partitionCount: number,
): Map<string, number[]> {
  const sorted = [...members].sort((a, b) => a.memberId.localeCompare(b.memberId));
  const assignment = new Map<string, number[]>(sorted.map((m) => [m.memberId, []]));
  if (sorted.length === 0) return assignment;
  const base = Math.floor(partitionCount / sorted.length);
  let withExtra = partitionCount % sorted.length;
  const taken = new Set<number>();

  for (const member of sorted) {
    const quota = base + (withExtra > 0 ? 1 : 0);
    const kept = member.previous.filter((p) => p < partitionCount && !taken.has(p)).slice(0, quota);
    for (const p of kept) taken.add(p);
    assignment.set(member.memberId, kept);
    if (kept.length > base && withExtra > 0) withExtra--;
  }
  for (let p = 0; p < partitionCount; p++) {
    if (taken.has(p)) continue;
    const target = sorted
      .map((m) => ({ id: m.memberId, count: assignment.get(m.memberId)?.length ?? 0 }))
      .sort((a, b) => a.count - b.count || a.id.localeCompare(b.id))[0];
    if (!target) break;
    assignment.get(target.id)?.push(p);
    taken.add(p);
  }
  for (const partitions of assignment.values()) partitions.sort((a, b) => a - b);
  return assignment;
}

/** @param currentPartitions the partition numbers this member owns now (sent as user data) */
export function coPartitionedAssigner(
  currentPartitions: () => readonly number[],
): PartitionAssigner {
  return ({ cluster }: { cluster: Cluster }): Assigner => ({
    name: CO_PARTITIONED_ASSIGNER,
    version: 1,
    async assign({ members, topics }) {
      await cluster.refreshMetadataIfNecessary();
      const counts = topics.map((topic) => cluster.findTopicPartitionMetadata(topic).length);
      const partitionCount = Math.max(0, ...counts);
      const states = members.map((member) => ({
        memberId: member.memberId,
        previous: decodePrevious(member.memberMetadata),
      }));
      const numbers = assignPartitionNumbers(states, partitionCount);
      return members.map((member) => {
        const mine = numbers.get(member.memberId) ?? [];
        const assignment = Object.fromEntries(
          topics.map((topic, i) => [topic, mine.filter((p) => p < (counts[i] ?? 0))]),
        );
        return {
          memberId: member.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 1,
            assignment,
            userData: Buffer.alloc(0),
          }),
        };
      });
    },
    protocol({ topics }) {
      return {
        name: CO_PARTITIONED_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics,
          userData: Buffer.from(JSON.stringify(currentPartitions())),
        }),
      };
    },
  });
}

function decodePrevious(metadata: Buffer): number[] {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata);
    const parsed: unknown = JSON.parse(decoded?.userData.toString() || '[]');
    return Array.isArray(parsed) ? parsed.filter((p): p is number => Number.isInteger(p)) : [];
  } catch {
    return [];
  }
}
