import type { AxiosInstance, AxiosResponse } from "axios";
import {
  AsyncConnector,
  clip,
  ConnectorError,
  FlyteFile,
  TaskExecutionPhase as Phase,
  type CallContext,
  type CreateContext,
  type LogChunk,
  type LogsRequest,
  type MetadataCodec,
  type Resource,
} from "@flyte-connectors/runtime";
import { DEFAULT_RETRY_POLICY, createHttpClient, requestWithRetries, type RetryPolicy } from "./http";
import {
  describeProgress,
  errorBodyText,
  errorText,
  parseCreateAnswer,
  parseJobView,
  parseLogsPage,
  progressInfo,
  type JobView,
} from "./responses";

export const TASK_TYPE = "external_model_training";

/**
 * The job's `resource_meta`: JSON with the Python connector's snake_case names, so a job created by one
 * can be polled by the other. `dashboard_url` is present only when the task set its own dashboard
 * template (the Python connector cannot decode such metas; the default template needs no field).
 */
export interface ModelTrainJobMeta {
  job_id: string;
  endpoint: string;
  dashboard_url?: string;
}

const DEFAULT_DASHBOARD_TEMPLATE = "{endpoint}/{job_id}";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Validates metas strictly: a meta is trusted to build URLs, so it must be exactly what we wrote. */
const metaCodec: MetadataCodec<ModelTrainJobMeta> = {
  encode: (meta) => encoder.encode(JSON.stringify(meta)),
  decode(bytes) {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(bytes));
    } catch (cause) {
      throw ConnectorError.badRequest("resource_meta is not valid JSON", { cause });
    }
    const meta = value as Partial<ModelTrainJobMeta> | null;
    if (!meta || typeof meta !== "object" || typeof meta.job_id !== "string" || !meta.job_id) {
      throw ConnectorError.badRequest("resource_meta has no job_id");
    }
    if (typeof meta.endpoint !== "string" || !isHttpUrl(meta.endpoint)) {
      throw ConnectorError.badRequest("resource_meta has no valid endpoint");
    }
    if (meta.dashboard_url !== undefined && typeof meta.dashboard_url !== "string") {
      throw ConnectorError.badRequest("resource_meta.dashboard_url must be a string");
    }
    return {
      job_id: meta.job_id,
      endpoint: meta.endpoint,
      ...(meta.dashboard_url ? { dashboard_url: meta.dashboard_url } : {}),
    };
  },
};

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export interface ModelTrainingConnectorOptions {
  /** Retries of transient HTTP trouble within one call; each field has its default (see `RetryPolicy`). */
  retry?: Partial<RetryPolicy>;
  /** The HTTP client; default a fresh axios instance. */
  http?: AxiosInstance;
}

/**
 * Runs `external_model_training` tasks on a model-training service (see the package README for its
 * HTTP contract).
 *
 * - create: `POST {custom.endpoint}` with `{dataset_uri, epochs}`, the runtime's idempotency key as
 *   `Idempotency-Key` (a repeated create finds the same job), and `Authorization: Bearer <api_key>` when
 *   the task's connection carries the secret `api_key`.
 * - get: maps the service's status to a phase; `finished` → SUCCEEDED with output `results` (a file).
 *   Transient trouble (5xx, timeouts, the service down) is retried within the call's deadline and then
 *   reported as RUNNING with a message — never an error, which the backend would count against the task.
 *   So is an answer of the wrong shape (a proxy's error page, a half-deployed service); progress that
 *   cannot be read is left out of the message. Every answer is parsed in `responses.ts`.
 * - delete: `DELETE`; 404 (unknown) and 409 (already finished) count as done.
 * - getLogs: pages through `GET {endpoint}/{job_id}/logs`.
 */
export class ModelTrainingConnector extends AsyncConnector<ModelTrainJobMeta> {
  readonly name = "Model Training Connector";
  readonly taskTypeName = TASK_TYPE;
  readonly metadata = metaCodec;
  readonly #givenHttp: AxiosInstance | undefined;
  #madeHttp: AxiosInstance | undefined;
  readonly #policy: RetryPolicy;

  constructor(options: ModelTrainingConnectorOptions = {}) {
    super();
    this.#givenHttp = options.http;
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }
  /** The HTTP client: the one given, or one made on the first call (axios loads then, not at start-up). */
  get #http(): AxiosInstance {
    return this.#givenHttp ?? (this.#madeHttp ??= createHttpClient());
  }

  async create(ctx: CreateContext): Promise<ModelTrainJobMeta> {
    const { taskTemplate, inputs, idempotencyKey, secrets, logger } = ctx;
    const custom = (taskTemplate.custom ?? {}) as Record<string, unknown>;
    const endpoint = requireEndpoint(custom.endpoint);
    const dashboardTemplate = optionalTemplate(custom.dashboard_url_template);
    const body = { dataset_uri: requireDatasetUri(inputs.dataset_uri), epochs: requireEpochs(inputs.epochs) };

    const result = await requestWithRetries(
      this.#http,
      {
        method: "POST",
        url: endpoint,
        data: body,
        headers: this.#headers(secrets.get("api_key"), { "Idempotency-Key": idempotencyKey }),
      },
      { call: ctx, policy: this.#policy },
    );
    if (!result.ok) {
      throw ConnectorError.unavailable(
        `the training service at ${endpoint} is unreachable (${result.reason})`,
      );
    }
    const { response } = result;
    if (response.status >= 400) throw errorForCreate(response, endpoint);
    const answer = parseCreateAnswer(response.data);
    if (!answer.ok) {
      // Retryable: the job may exist, and a repeated create with the same Idempotency-Key finds it.
      throw ConnectorError.unavailable(
        `the training service gave an unexpected answer to the job request (HTTP ${response.status}: ${answer.problem})`,
      );
    }
    const jobId = answer.value.job_id;
    logger.info({ jobId, reused: response.status === 200 }, "training job submitted");
    const meta: ModelTrainJobMeta = { job_id: jobId, endpoint };
    if (dashboardTemplate && dashboardTemplate !== DEFAULT_DASHBOARD_TEMPLATE) {
      meta.dashboard_url = fillTemplate(dashboardTemplate, meta);
    }
    return meta;
  }

  async get(meta: ModelTrainJobMeta, ctx: CallContext): Promise<Resource> {
    const { secrets } = ctx;
    const result = await requestWithRetries(
      this.#http,
      { method: "GET", url: jobUrl(meta), headers: this.#headers(secrets.get("api_key")) },
      { call: ctx, policy: this.#policy },
    );
    if (!result.ok) {
      return {
        phase: Phase.RUNNING,
        message: `training service unreachable (${result.reason}); will check again`,
      };
    }
    const { response } = result;
    if (response.status === 404) return { phase: Phase.FAILED, message: `job not found: ${meta.job_id}` };
    if (response.status === 401 || response.status === 403) {
      return {
        phase: Phase.FAILED,
        message: `the training service rejected the credentials (HTTP ${response.status})`,
      };
    }
    if (response.status >= 400) {
      return {
        phase: Phase.FAILED,
        message: `the training service answered HTTP ${response.status}: ${errorBodyText(response.data)}`,
      };
    }
    const job = parseJobView(response.data);
    if (!job.ok) {
      // Not terminal: a proxy's error page or a service mid-deploy usually passes; the task's timeout bounds it.
      return {
        phase: Phase.RUNNING,
        message: `the training service gave an unexpected answer (HTTP ${response.status}: ${job.problem}); will check again`,
        logLinks: this.#logLinks(meta),
      };
    }
    return this.#resourceOf(meta, job.value);
  }

  async delete(meta: ModelTrainJobMeta, ctx: CallContext): Promise<void> {
    const { secrets } = ctx;
    const result = await requestWithRetries(
      this.#http,
      { method: "DELETE", url: jobUrl(meta), headers: this.#headers(secrets.get("api_key")) },
      { call: ctx, policy: this.#policy },
    );
    if (!result.ok)
      throw ConnectorError.unavailable(
        `could not cancel ${meta.job_id}: training service unreachable (${result.reason})`,
      );
    const { status } = result.response;
    // 404: unknown or already gone; 409: already finished. Both mean there is nothing left to cancel.
    if (status < 300 || status === 404 || status === 409) return;
    if (status === 401 || status === 403)
      throw ConnectorError.permissionDenied(`the training service refused to cancel ${meta.job_id}`);
    throw ConnectorError.unavailable(`could not cancel ${meta.job_id}: HTTP ${status}`);
  }

  override async *getLogs(
    meta: ModelTrainJobMeta,
    request: LogsRequest,
    ctx: CallContext,
  ): AsyncIterable<LogChunk> {
    const { secrets } = ctx;
    let token = request.token;
    let sent = 0;
    for (;;) {
      const result = await requestWithRetries(
        this.#http,
        {
          method: "GET",
          url: `${jobUrl(meta)}/logs`,
          params: { token },
          headers: this.#headers(secrets.get("api_key")),
        },
        { call: ctx, policy: this.#policy },
      );
      if (!result.ok)
        throw ConnectorError.unavailable(`cannot read logs of ${meta.job_id} (${result.reason})`);
      const { response } = result;
      if (response.status === 404) throw ConnectorError.notFound(`job not found: ${meta.job_id}`);
      if (response.status === 401 || response.status === 403) {
        // GetTaskLogs requests carry no connection secrets: the key must be deployment-wide.
        throw ConnectorError.permissionDenied(
          `the training service refused to show logs (HTTP ${response.status}); log requests carry no task secrets, ` +
            "so give the connector the key as FLYTE_SECRET_API_KEY or /etc/secrets/api_key",
        );
      }
      if (response.status >= 400) {
        throw ConnectorError.unavailable(
          `cannot read logs: HTTP ${response.status}: ${errorBodyText(response.data)}`,
        );
      }
      const page = parseLogsPage(response.data);
      if (!page.ok) {
        throw ConnectorError.unavailable(
          `the training service gave an unexpected logs page (${page.problem})`,
        );
      }
      const { lines, received, nextToken: next } = page.value;
      if (lines.length) yield { lines };
      sent += lines.length;
      // Stop at the end of the logs, at a page with nothing new, or once the caller has enough.
      const done = !next || received === 0 || (request.lines > 0 && sent >= request.lines);
      token = next || token;
      if (done) {
        yield { token: next };
        return;
      }
    }
  }

  #logLinks(meta: ModelTrainJobMeta) {
    return [
      {
        name: "Training Dashboard",
        uri: meta.dashboard_url ?? fillTemplate(DEFAULT_DASHBOARD_TEMPLATE, meta),
      },
    ];
  }

  #resourceOf(meta: ModelTrainJobMeta, job: JobView): Resource {
    const logLinks = this.#logLinks(meta);
    switch (job.status) {
      case "queued":
        return { phase: Phase.QUEUED, message: "queued", logLinks };
      case "running": {
        const progress = progressInfo(job.progress);
        return {
          phase: Phase.RUNNING,
          message: describeProgress(progress) ?? "running",
          logLinks,
          customInfo: progress ? { progress } : undefined,
        };
      }
      case "finished":
        if (!job.results) {
          // Terminal: a finished job's answer will not change, and there is no output to give.
          return { phase: Phase.FAILED, message: "the job finished without a results URI", logLinks };
        }
        return {
          phase: Phase.SUCCEEDED,
          message: "finished",
          outputs: { results: new FlyteFile(job.results) },
          logLinks,
        };
      case "failed": {
        const error = errorText(job.error);
        return {
          phase: Phase.FAILED,
          message: error ? `training failed: ${error}` : "training failed",
          logLinks,
        };
      }
      case "cancelled":
        return { phase: Phase.ABORTED, message: "the job was cancelled", logLinks };
      default:
        // A status this version does not know: keep polling rather than guess an ending.
        return {
          phase: Phase.RUNNING,
          message: `unrecognised status ${JSON.stringify(clip(job.status, 100))}; will check again`,
          logLinks,
        };
    }
  }

  #headers(apiKey: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
    return apiKey ? { ...extra, Authorization: `Bearer ${apiKey}` } : extra;
  }
}

function jobUrl(meta: ModelTrainJobMeta): string {
  return `${meta.endpoint.replace(/\/+$/, "")}/${encodeURIComponent(meta.job_id)}`;
}

function fillTemplate(template: string, meta: ModelTrainJobMeta): string {
  return template
    .replaceAll("{endpoint}", meta.endpoint.replace(/\/+$/, ""))
    .replaceAll("{job_id}", encodeURIComponent(meta.job_id));
}

function requireEndpoint(value: unknown): string {
  if (value === undefined || value === null || value === "") {
    throw ConnectorError.badRequest("custom.endpoint is required: the training service URL", {
      details: { field: "custom.endpoint" },
    });
  }
  if (typeof value !== "string" || !isHttpUrl(value)) {
    throw ConnectorError.badRequest("custom.endpoint must be an http(s) URL", {
      details: { field: "custom.endpoint" },
    });
  }
  return value;
}

function optionalTemplate(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") {
    throw ConnectorError.badRequest("custom.dashboard_url_template must be a string", {
      details: { field: "custom.dashboard_url_template" },
    });
  }
  return value;
}

function requireDatasetUri(value: unknown): string {
  if (typeof value !== "string" || !value) {
    throw ConnectorError.badRequest("input dataset_uri is required and must be a non-empty string", {
      details: { input: "dataset_uri" },
    });
  }
  return value;
}

function requireEpochs(value: unknown): number {
  const epochs = typeof value === "bigint" ? Number(value) : value;
  if (typeof epochs !== "number" || !Number.isInteger(epochs) || epochs < 1) {
    throw ConnectorError.badRequest("input epochs is required and must be a positive integer", {
      details: { input: "epochs" },
    });
  }
  return epochs;
}

function errorForCreate(response: AxiosResponse, endpoint: string): ConnectorError {
  const detail = errorBodyText(response.data);
  switch (response.status) {
    case 400:
    case 422:
      return ConnectorError.badRequest(`the training service rejected the job: ${detail}`);
    case 401:
    case 403:
      return ConnectorError.permissionDenied(
        `the training service rejected the credentials (HTTP ${response.status})`,
      );
    case 404:
      return ConnectorError.notFound(`no training service at ${endpoint} (HTTP 404)`);
    default:
      return ConnectorError.unavailable(`the training service answered HTTP ${response.status}: ${detail}`);
  }
}
