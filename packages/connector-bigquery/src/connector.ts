import { randomUUID } from "node:crypto";
import type { BigQuery } from "@google-cloud/bigquery";
import {
  AsyncConnector,
  ConnectorError,
  DataFrame,
  TaskExecutionPhase as Phase,
  jsonMeta,
  type CallContext,
  type CreateContext,
  type LogLink,
  type Resource,
} from "@flyte-connectors/runtime";
import type { LiteralType } from "@flyte-connectors/runtime/wire";
import { BigQueryClients, type ClientCacheOptions } from "./clients";
import { DEFAULT_CREDENTIALS_SECRET, parseCustomConfig } from "./config";
import { queryParameters } from "./params";

export const TASK_TYPE = "bigquery_query_job_task";

/** The job's `resource_meta`: the Python connector's shape, so jobs survive a migration either way. */
export interface BigQueryJobMeta {
  job_id: string;
  project: string;
  location: string;
  user_agent: string;
}

/**
 * A job label marking a task that declares no `results` output, so `get` (which sees only the job) leaves
 * the result table out. Jobs without it, such as those the Python connector created, get `results`.
 */
export const NO_OUTPUTS_LABEL = "flyte_outputs";

/** errorResult reasons worth another attempt: BigQuery's own transient failures. */
const TRANSIENT_REASONS = new Set([
  "backendError",
  "internalError",
  "rateLimitExceeded",
  "jobBackendError",
  "jobInternalError",
]);

export interface BigQueryConnectorOptions extends ClientCacheOptions {
  /** The SDK version in the user agent when the template does not name one. */
  defaultSdkVersion?: string;
}

/**
 * Runs SQL tasks (`bigquery_query_job_task`, version 0: the Python plugin's task type, so the Flyte
 * backend routes existing tasks here) as BigQuery query jobs.
 *
 * - create is idempotent: the job id is derived from the task attempt, and BigQuery's "already exists"
 *   means the job is ours.
 * - inputs become named query parameters typed from the task interface.
 * - get reports the job's state, the destination table as output `results`, and statistics.
 * - delete cancels; unknown and finished jobs count as done.
 */
export class BigQueryConnector extends AsyncConnector<BigQueryJobMeta> {
  readonly name = "Bigquery Connector";
  readonly taskTypeName = TASK_TYPE;
  readonly metadata = jsonMeta<BigQueryJobMeta>(["job_id", "project", "location"]);
  readonly clients: BigQueryClients;
  readonly #defaultSdkVersion: string;

  constructor(options: BigQueryConnectorOptions = {}) {
    super();
    this.clients = new BigQueryClients(options);
    this.#defaultSdkVersion = options.defaultSdkVersion ?? "0.0.0";
  }

  async create(ctx: CreateContext): Promise<BigQueryJobMeta> {
    const { taskTemplate, inputs, idempotencyKey, taskExecutionMetadata, signal, logger } = ctx;
    const config = parseCustomConfig(taskTemplate.custom);
    const sql = taskTemplate.target?.$case === "sql" ? taskTemplate.target.value.statement : "";
    if (!sql.trim()) throw ConnectorError.badRequest("the task has no SQL (template.sql.statement is empty)");

    const declared = new Map<string, LiteralType | undefined>(
      (taskTemplate.interface?.inputs?.variables ?? []).map((v) => [v.key, v.value?.type]),
    );
    const parameters = queryParameters(inputs, declared, config.parameterTypes);
    const userAgent = `Flyte/${taskTemplate.metadata?.runtime?.version || this.#defaultSdkVersion} (GPN:Union;${config.domain})`;
    const client = this.#client(ctx, config.project, config.location, userAgent, config.credentialsSecret);
    // A stable id per attempt makes a repeated create find the job instead of running the query twice.
    const jobId = taskExecutionMetadata?.taskExecutionId
      ? `flyte_${idempotencyKey}`
      : `flyte_${randomUUID().replace(/-/g, "")}`;

    const query = {
      useLegacySql: false,
      ...config.query,
      query: sql,
      ...(parameters.length ? { parameterMode: "NAMED", queryParameters: parameters } : {}),
    };
    const declaresResults = (taskTemplate.interface?.outputs?.variables ?? []).some(
      (v) => v.key === "results",
    );
    const job = declaresResults
      ? config.job
      : {
          ...config.job,
          labels: {
            ...(config.job.labels as Record<string, string> | undefined),
            [NO_OUTPUTS_LABEL]: "none",
          },
        };
    let location = config.location;
    try {
      const [created] = await beforeDeadline(
        client.createJob({ configuration: { query, ...job }, jobId, location }),
        ctx,
      );
      location = created.location ?? location;
      logger.info({ jobId, location }, "query job created");
    } catch (error) {
      const created = createdAnyway(error);
      if (created) {
        location = created.location ?? location;
        logger.info(
          { jobId, location },
          created.repeated
            ? "query job exists already (repeated create)"
            : "query job created; it failed at once",
        );
      } else {
        if (signal.aborted) throw error;
        throw toConnectorError(error, "create the query job");
      }
    }
    return { job_id: jobId, project: config.project, location: location ?? "", user_agent: userAgent };
  }

  async get(meta: BigQueryJobMeta, ctx: CallContext): Promise<Resource> {
    const logLinks: LogLink[] = [
      {
        name: "BigQuery Console",
        uri: `https://console.cloud.google.com/bigquery?project=${encodeURIComponent(meta.project)}&j=bq:${encodeURIComponent(meta.location)}:${encodeURIComponent(meta.job_id)}&page=queryresults`,
        kind: "dashboard",
      },
    ];
    const client = this.#client(ctx, meta.project, meta.location || undefined, meta.user_agent);
    let metadata: JobResource;
    try {
      [metadata] = (await beforeDeadline(
        client.job(meta.job_id, { location: meta.location || undefined }).getMetadata(),
        ctx,
      )) as [JobResource, unknown];
    } catch (error) {
      const status = httpStatus(error);
      if (status === 404)
        return {
          phase: Phase.FAILED,
          message: `job not found: ${meta.project}:${meta.location}.${meta.job_id}`,
          logLinks,
        };
      if (status === 401 || status === 403) {
        return {
          phase: Phase.FAILED,
          message: `BigQuery refused access to the job (HTTP ${status})`,
          logLinks,
        };
      }
      if (ctx.signal.aborted) throw error;
      // Transient trouble: report "not yet" so the backend polls again instead of counting an error.
      const trouble =
        error instanceof NoAnswerInTime
          ? "did not answer in time"
          : `is unreachable (${describeError(error)})`;
      return { phase: Phase.RUNNING, message: `BigQuery ${trouble}; will check again`, logLinks };
    }
    return resourceOf(metadata, logLinks);
  }

  async delete(meta: BigQueryJobMeta, ctx: CallContext): Promise<void> {
    const client = this.#client(ctx, meta.project, meta.location || undefined, meta.user_agent);
    try {
      await beforeDeadline(client.job(meta.job_id, { location: meta.location || undefined }).cancel(), ctx);
    } catch (error) {
      // Unknown, or already gone: nothing left to cancel.
      if (httpStatus(error) === 404) return;
      if (ctx.signal.aborted) throw error;
      throw toConnectorError(error, "cancel the query job");
    }
  }

  #client(
    ctx: CallContext,
    project: string,
    location: string | undefined,
    userAgent: string,
    secretName?: string,
  ): BigQuery {
    return this.clients.get({ project, location, userAgent, credentials: credentialsFor(ctx, secretName) });
  }
}

/**
 * The service-account JSON to use: the secret the task names, else `google_application_credentials`,
 * else none (application default credentials). A named secret that is missing is not fatal: the Python
 * plugin writes the name but its connector never reads it, so tasks registered from Python may name
 * secrets the deployment does not have.
 */
function credentialsFor(ctx: CallContext, secretName: string | undefined): string | undefined {
  if (secretName && secretName !== DEFAULT_CREDENTIALS_SECRET) {
    const named = ctx.secrets.get(secretName);
    if (named) return named;
    ctx.logger.warn(
      { secret: secretName },
      `the task's credentials secret is not available; using ${DEFAULT_CREDENTIALS_SECRET} or application default credentials`,
    );
  }
  return ctx.secrets.get(DEFAULT_CREDENTIALS_SECRET);
}

interface JobResource {
  configuration?: {
    labels?: Record<string, string>;
    query?: { destinationTable?: { projectId: string; datasetId: string; tableId: string } };
  };
  status?: {
    state?: string;
    errorResult?: { reason?: string; message?: string; location?: string };
    errors?: unknown[];
  };
  statistics?: {
    totalBytesProcessed?: string;
    query?: {
      totalBytesProcessed?: string;
      totalSlotMs?: string;
      cacheHit?: boolean;
      statementType?: string;
      numDmlAffectedRows?: string;
    };
  };
}

function resourceOf(job: JobResource, logLinks: LogLink[]): Resource {
  const state = job.status?.state ?? "PENDING";
  const stats = job.statistics?.query ?? {};
  const customInfo = dropUndefined({
    state,
    totalBytesProcessed: stats.totalBytesProcessed ?? job.statistics?.totalBytesProcessed,
    totalSlotMs: stats.totalSlotMs,
    cacheHit: stats.cacheHit,
    statementType: stats.statementType,
    numDmlAffectedRows: stats.numDmlAffectedRows,
  });
  switch (state) {
    case "PENDING":
      return { phase: Phase.QUEUED, message: "PENDING", logLinks };
    case "RUNNING":
      return { phase: Phase.RUNNING, message: "RUNNING", logLinks };
    case "DONE": {
      const error = job.status?.errorResult;
      if (error) {
        const reason = error.reason ?? "unknown";
        // "stopped" is how BigQuery ends a cancelled job.
        const phase =
          reason === "stopped"
            ? Phase.ABORTED
            : TRANSIENT_REASONS.has(reason)
              ? Phase.RETRYABLE_FAILED
              : Phase.FAILED;
        return { phase, message: `${reason}: ${error.message ?? "the query failed"}`, logLinks, customInfo };
      }
      const table =
        job.configuration?.labels?.[NO_OUTPUTS_LABEL] === "none"
          ? undefined
          : job.configuration?.query?.destinationTable;
      const outputs = table
        ? { results: new DataFrame(`bq://${table.projectId}:${table.datasetId}.${table.tableId}`) }
        : undefined;
      return { phase: Phase.SUCCEEDED, message: "DONE", logLinks, outputs, customInfo };
    }
    default:
      return { phase: Phase.RUNNING, message: `unrecognised job state ${JSON.stringify(state)}`, logLinks };
  }
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

function describeError(error: unknown): string {
  const status = httpStatus(error);
  if (status !== undefined) return `HTTP ${status}`;
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string"
    ? code
    : error instanceof Error
      ? error.message.split("\n", 1)[0]
      : String(error);
}

/**
 * Whether a failed insert still left our job in BigQuery: a 409 (the job exists: a repeated create), or
 * an answer carrying the new job whose status holds errors (BigQuery rejected the query at once).
 */
function createdAnyway(error: unknown): { repeated: boolean; location?: string } | undefined {
  if (httpStatus(error) === 409) return { repeated: true };
  const response = (error as { response?: { jobReference?: { location?: string } } })?.response;
  if (response?.jobReference) return { repeated: false, location: response.jobReference.location };
  return undefined;
}

function toConnectorError(error: unknown, action: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const status = httpStatus(error);
  const message = `could not ${action}: ${error instanceof Error ? error.message.split("\n", 1)[0] : String(error)}`;
  if (status === 400) return ConnectorError.badRequest(message, { cause: error });
  if (status === 401 || status === 403) return ConnectorError.permissionDenied(message, { cause: error });
  if (status === 404) return ConnectorError.notFound(message, { cause: error });
  return ConnectorError.unavailable(message, { cause: error });
}

/** The connector stopped waiting for BigQuery to keep time to answer before the call's deadline. */
class NoAnswerInTime extends Error {
  override readonly name = "NoAnswerInTime";
}

/** Time kept back from the caller's deadline to send an answer in. */
const ANSWER_MARGIN_MS = 750;

/**
 * Waits for a Google client call until the call is cancelled or its deadline is near. The client takes
 * no AbortSignal, so the request itself goes on in the background (bounded by the client's retry
 * settings) and its result is ignored.
 */
function beforeDeadline<T>(promise: Promise<T>, ctx: CallContext): Promise<T> {
  const { signal, deadline } = ctx;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => settle(() => reject(signal.reason));
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => settle(() => reject(new NoAnswerInTime("BigQuery did not answer in time"))),
            Math.max(0, deadline - Date.now() - ANSWER_MARGIN_MS),
          );
    function settle(finish: () => void) {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      finish();
    }
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
