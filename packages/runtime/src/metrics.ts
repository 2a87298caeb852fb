import type { Histogram, Registry } from "prom-client";
import type { ErrorCode } from "./errors";

/** The operations metrics and logs name, as the Python SDK names them. */
export type Operation = "create" | "get" | "delete" | "get_metrics" | "get_logs";

/** Counts the calls of one task type and operation. */
export interface CallRecorder {
  /** A call answered after `seconds`. */
  ok(seconds: number): void;
  /** A call failed with `code` after `seconds`. */
  failed(seconds: number, code: ErrorCode): void;
}

/** What the call pipeline records; `ConnectorMetrics` is the Prometheus implementation. */
export interface CallMetrics {
  /** The recorder of a task type (a registered one, or "unknown") and an operation; the same one each time. */
  recorder(taskType: string, operation: Operation): CallRecorder;
  /** The size of a CreateTask's input literals. */
  inputBytes(taskType: string, bytes: number): void;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const INPUT_BYTES_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

/** A histogram kept in plain numbers (a count per bucket, not cumulative): an observation is a few increments. */
class Buckets {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]) {
        this.counts[i]++;
        return;
      }
    }
  }

  /** The values prom-client renders for the histogram `name` with these labels. */
  values(name: string, labels: Record<string, string>): MetricValue[] {
    const bucket = `${name}_bucket`;
    let cumulative = 0;
    return [
      // `le` first, as prom-client writes its own histograms.
      ...this.bounds.map((le, i) => ({
        value: (cumulative += this.counts[i]),
        labels: { le, ...labels },
        metricName: bucket,
      })),
      { value: this.count, labels: { le: "+Inf", ...labels }, metricName: bucket },
      { value: this.sum, labels, metricName: `${name}_sum` },
      { value: this.count, labels, metricName: `${name}_count` },
    ];
  }
}

/** One label set's counts, kept in plain numbers: recording a call is a few increments. */
class Counts implements CallRecorder {
  success = 0;
  readonly failures = new Map<ErrorCode, number>();
  readonly latency = new Buckets(LATENCY_BUCKETS);

  constructor(
    readonly taskType: string,
    readonly operation: Operation,
  ) {}

  ok(seconds: number): void {
    this.success++;
    this.latency.observe(seconds);
  }

  failed(seconds: number, code: ErrorCode): void {
    this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
    this.latency.observe(seconds);
  }
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * A metric whose values prom-client reads at scrape time from `read()`: prom-client renders it, and
 * aggregates it across `--workers` like its own, while recording stays off its per-call path (label
 * hashing and validation on every observation cost more than the rest of a no-op call).
 */
function scrapedMetric(name: string, help: string, type: "counter" | "histogram", read: () => MetricValue[]) {
  const get = async () => ({ name, help, type, aggregator: "sum", values: read() });
  return { name, help, type, aggregator: "sum", get, reset: () => {} };
}

/**
 * The Python SDK's connector metrics — `flyte_connector_requests_success_total{task_type,operation}`,
 * `flyte_connector_requests_failure_total{task_type,operation,error_code}`,
 * `flyte_connector_request_latency_seconds{task_type,operation}` and
 * `flyte_connector_input_literal_bytes{task_type}` — on a registry of their own (two servers in one
 * process, as in tests, don't collide), plus Node's process metrics.
 *
 * Calls are counted in plain numbers, and prom-client loads only when the metrics are first read (a
 * scrape of `/metrics`, or `registry`): neither start-up nor any call waits for it. Node's process
 * metrics are collected from then on (CPU time and memory are totals since the process started anyway).
 * Label values are bounded (registered task types or "unknown", a closed set of operations and codes), so
 * the counts kept per label set are too.
 */
export class ConnectorMetrics implements CallMetrics {
  readonly #processMetrics: boolean;
  readonly #counts = new Map<string, Counts>();
  readonly #inputBytes = new Map<string, Buckets>();
  #registry: Registry | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    this.#processMetrics = options.processMetrics ?? true;
  }

  /** The Prometheus registry holding these metrics (loads prom-client the first time). */
  get registry(): Registry {
    if (this.#registry) return this.#registry;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const prom = require("prom-client") as typeof import("prom-client");
    const registry = new prom.Registry();
    const all = () => [...this.#counts.values()];
    const base = (c: Counts) => ({ task_type: c.taskType, operation: c.operation });
    const custom = [
      scrapedMetric(
        "flyte_connector_requests_success_total",
        "Connector requests that succeeded",
        "counter",
        () =>
          all()
            .filter((c) => c.success > 0)
            .map((c) => ({ value: c.success, labels: base(c) })),
      ),
      scrapedMetric(
        "flyte_connector_requests_failure_total",
        "Connector requests that failed",
        "counter",
        () =>
          all().flatMap((c) =>
            [...c.failures].map(([code, value]) => ({ value, labels: { ...base(c), error_code: code } })),
          ),
      ),
      scrapedMetric("flyte_connector_request_latency_seconds", "Connector request latency", "histogram", () =>
        all().flatMap((c) => c.latency.values("flyte_connector_request_latency_seconds", base(c))),
      ),
      scrapedMetric(
        "flyte_connector_input_literal_bytes",
        "Size of the input literals of CreateTask requests",
        "histogram",
        () =>
          [...this.#inputBytes].flatMap(([taskType, sizes]) =>
            sizes.values("flyte_connector_input_literal_bytes", { task_type: taskType }),
          ),
      ),
    ];
    // prom-client takes any object that answers get() in its metric shape; its types list only its classes.
    for (const metric of custom) registry.registerMetric(metric as unknown as Histogram);
    if (this.#processMetrics) prom.collectDefaultMetrics({ register: registry });
    return (this.#registry = registry);
  }

  recorder(taskType: string, operation: Operation): CallRecorder {
    const key = `${taskType}\0${operation}`;
    let counts = this.#counts.get(key);
    if (!counts) this.#counts.set(key, (counts = new Counts(taskType, operation)));
    return counts;
  }

  inputBytes(taskType: string, bytes: number): void {
    let sizes = this.#inputBytes.get(taskType);
    if (!sizes) this.#inputBytes.set(taskType, (sizes = new Buckets(INPUT_BYTES_BUCKETS)));
    sizes.observe(bytes);
  }

  /** The metrics in Prometheus' text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
