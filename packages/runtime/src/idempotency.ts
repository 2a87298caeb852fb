import { createHash, randomUUID } from "node:crypto";
import type { TaskExecutionMetadata } from "./connector";

/**
 * A key that is the same for every create of one task attempt and different across attempts: a SHA-256
 * of org, project, domain, run name, node id and retry attempt, as 32 hex characters (valid as an HTTP
 * header and as a BigQuery job id). A random UUID without hyphens when the request has no execution id,
 * since then nothing identifies the attempt.
 */
export function idempotencyKeyFor(metadata: TaskExecutionMetadata | undefined): string {
  const id = metadata?.taskExecutionId;
  const node = id?.nodeExecutionId;
  const run = node?.executionId;
  if (!id || !node || !run || !run.name || !node.nodeId) return randomUUID().replace(/-/g, "");
  const parts = [run.org, run.project, run.domain, run.name, node.nodeId, String(id.retryAttempt)];
  // Length-prefixed, so ("a/b", "c") and ("a", "b/c") never collide.
  const material = parts.map((p) => `${p.length}:${p}`).join("|");
  return createHash("sha256").update(material).digest("hex").slice(0, 32);
}
