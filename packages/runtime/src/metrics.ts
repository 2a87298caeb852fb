import type { Counter, Histogram, Registry } from "prom-client";
import type { ErrorCode } from "./errors";

/** The operations metrics and logs name, as the Python SDK names them. */
export type Operation = "create" | "get" | "delete" | "get_metrics" | "get_logs";

/** What the call pipeline records; `ConnectorMetrics` is the Prometheus implementation. */
export interface CallMetrics {
  /** One call, answered (no `errorCode`) or failed. `taskType` is a registered type or "unknown". */
  record(taskType: string, operation: Operation, seconds: number, errorCode?: ErrorCode): void;
  /** The size of a CreateTask's input literals. */
  inputBytes(taskType: string, bytes: number): void;
}

interface Instruments {
  registry: Registry;
  success: Counter<"task_type" | "operation">;
  failure: Counter<"task_type" | "operation" | "error_code">;
  latency: Histogram<"task_type" | "operation">;
  inputBytes: Histogram<"task_type">;
}

type Increment = { inc(): void };
type Observe = { observe(value: number): void };

/**
 * The Python SDK's connector metrics (`flyte_connector_requests_success_total`,
 * `..._failure_total`, `flyte_connector_request_latency_seconds`, `flyte_connector_input_literal_bytes`)
 * on a registry of their own (two servers in one process, as in tests, don't collide), plus Node's
 * process metrics.
 *
 * prom-client loads on first use (`load()`, which the server calls once it is serving), so start-up does
 * not wait for it. Label children are looked up once per label set and kept: label values are bounded
 * (registered task types or "unknown", a closed set of operations and codes), so the caches are too.
 */
export class ConnectorMetrics implements CallMetrics {
  readonly #processMetrics: boolean;
  #instruments: Instruments | undefined;
  readonly #calls = new Map<string, { ok: Increment; latency: Observe }>();
  readonly #failures = new Map<string, Increment>();
  readonly #sizes = new Map<string, Observe>();

  constructor(options: { processMetrics?: boolean } = {}) {
    this.#processMetrics = options.processMetrics ?? true;
  }

  /** The Prometheus registry holding these metrics. */
  get registry(): Registry {
    return this.load().registry;
  }

  /** Loads prom-client and creates the metrics, once. */
  load(): Instruments {
    if (this.#instruments) return this.#instruments;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const prom = require("prom-client") as typeof import("prom-client");
    const registry = new prom.Registry();
    this.#instruments = {
      registry,
      success: new prom.Counter({
        name: "flyte_connector_requests_success_total",
        help: "Connector requests that succeeded",
        labelNames: ["task_type", "operation"],
        registers: [registry],
      }),
      failure: new prom.Counter({
        name: "flyte_connector_requests_failure_total",
        help: "Connector requests that failed",
        labelNames: ["task_type", "operation", "error_code"],
        registers: [registry],
      }),
      latency: new prom.Histogram({
        name: "flyte_connector_request_latency_seconds",
        help: "Connector request latency",
        labelNames: ["task_type", "operation"],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
      inputBytes: new prom.Histogram({
        name: "flyte_connector_input_literal_bytes",
        help: "Size of the input literals of CreateTask requests",
        labelNames: ["task_type"],
        buckets: [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
        registers: [registry],
      }),
    };
    if (this.#processMetrics) prom.collectDefaultMetrics({ register: registry });
    return this.#instruments;
  }

  record(taskType: string, operation: Operation, seconds: number, errorCode?: ErrorCode): void {
    const key = `${taskType}\0${operation}`;
    let call = this.#calls.get(key);
    if (!call) {
      const { success, latency } = this.load();
      call = { ok: success.labels(taskType, operation), latency: latency.labels(taskType, operation) };
      this.#calls.set(key, call);
    }
    call.latency.observe(seconds);
    if (errorCode === undefined) {
      call.ok.inc();
      return;
    }
    const failureKey = `${key}\0${errorCode}`;
    let failure = this.#failures.get(failureKey);
    if (!failure) {
      failure = this.load().failure.labels(taskType, operation, errorCode);
      this.#failures.set(failureKey, failure);
    }
    failure.inc();
  }

  inputBytes(taskType: string, bytes: number): void {
    let size = this.#sizes.get(taskType);
    if (!size) {
      size = this.load().inputBytes.labels(taskType);
      this.#sizes.set(taskType, size);
    }
    size.observe(bytes);
  }

  /** The metrics in Prometheus' text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
