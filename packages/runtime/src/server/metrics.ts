import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ErrorCode } from "../errors";

/** The operations metrics and logs name, as the Python SDK names them. */
export type Operation = "create" | "get" | "delete" | "get_metrics" | "get_logs" | "list_connectors" | "get_connector";

/**
 * The Python SDK's connector metrics, on a registry of their own (so two servers in one process, as in
 * tests, don't collide), plus Node's process metrics.
 */
export class ConnectorMetrics {
  readonly registry = new Registry();
  readonly #success: Counter<"task_type" | "operation">;
  readonly #failure: Counter<"task_type" | "operation" | "error_code">;
  readonly #latency: Histogram<"task_type" | "operation">;
  readonly #inputBytes: Histogram<"task_type">;

  constructor(options: { processMetrics?: boolean } = {}) {
    this.#success = new Counter({
      name: "flyte_connector_requests_success_total",
      help: "Connector requests that succeeded",
      labelNames: ["task_type", "operation"],
      registers: [this.registry],
    });
    this.#failure = new Counter({
      name: "flyte_connector_requests_failure_total",
      help: "Connector requests that failed",
      labelNames: ["task_type", "operation", "error_code"],
      registers: [this.registry],
    });
    this.#latency = new Histogram({
      name: "flyte_connector_request_latency_seconds",
      help: "Connector request latency",
      labelNames: ["task_type", "operation"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.#inputBytes = new Histogram({
      name: "flyte_connector_input_literal_bytes",
      help: "Size of the input literals of CreateTask requests",
      labelNames: ["task_type"],
      buckets: [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
      registers: [this.registry],
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  success(taskType: string, operation: Operation, seconds: number): void {
    this.#success.inc({ task_type: taskType, operation });
    this.#latency.observe({ task_type: taskType, operation }, seconds);
  }

  failure(taskType: string, operation: Operation, errorCode: ErrorCode, seconds: number): void {
    this.#failure.inc({ task_type: taskType, operation, error_code: errorCode });
    this.#latency.observe({ task_type: taskType, operation }, seconds);
  }

  inputBytes(taskType: string, bytes: number): void {
    this.#inputBytes.observe({ task_type: taskType }, bytes);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
