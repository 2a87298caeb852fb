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
import { parseCustomConfig } from "./config";
import { queryParameters } from "./params";

export const TASK_TYPE = "bigquery_query_job_task";

/** The job's `resource_meta`: the Python connector's shape, so jobs survive a migration either way. */
export interface BigQueryJobMeta {
  job_id: string;
  project: string;
  location: string;
  user_agent: string;
}

/** errorResult reasons worth another attempt: BigQuery's own transient failures. */
const TRANSIENT_REASONS = new Set(["backendError", "internalError", "rateLimitExceeded", "jobBackendError", "jobInternalError"]);

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
    const jobId = taskExecutionMetadata?.taskExecutionId ? `flyte_${idempotencyKey}` : `flyte_${randomUUID().replace(/-/g, "")}`;

    const query = {
      useLegacySql: false,
      ...config.query,
      query: sql,
      ...(parameters.length ? { parameterMode: "NAMED", queryParameters: parameters } : {}),
    };
    let location = config.location;
    try {
      const [job] = await abortable(
        client.createJob({ configuration: { query, ...config.job }, jobId, location }),
        signal,
      );
      location = job.location ?? location;
      logger.info({ jobId, location }, "query job created");
    } catch (error) {
      const created = createdAnyway(error);
      if (created.exists) {
        location = created.location ?? location;
        logger.info({ jobId, location }, "query job exists already (repeated create)");
      } else {
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
      [metadata] = (await abortable(client.job(meta.job_id, { location: meta.location || undefined }).getMetadata(), ctx.signal)) as [
        JobResource,
        unknown,
      ];
    } catch (error) {
      const status = httpStatus(error);
      if (status === 404) return { phase: Phase.FAILED, message: `job not found: ${meta.project}:${meta.location}.${meta.job_id}`, logLinks };
      if (status === 401 || status === 403) {
        return { phase: Phase.FAILED, message: `BigQuery refused access to the job (HTTP ${status})`, logLinks };
      }
      if (ctx.signal.aborted) throw error;
      // Transient trouble: report "not yet" so the backend polls again instead of counting an error.
      return { phase: Phase.RUNNING, message: `BigQuery is unreachable (${describeError(error)}); will check again`, logLinks };
    }
    return resourceOf(metadata, logLinks);
  }

  async delete(meta: BigQueryJobMeta, ctx: CallContext): Promise<void> {
    const client = this.#client(ctx, meta.project, meta.location || undefined, meta.user_agent);
    try {
      await abortable(client.job(meta.job_id, { location: meta.location || undefined }).cancel(), ctx.signal);
    } catch (error) {
      // Unknown, or already gone: nothing left to cancel.
      if (httpStatus(error) === 404) return;
      throw toConnectorError(error, "cancel the query job");
    }
  }

  #client(ctx: CallContext, project: string, location: string | undefined, userAgent: string, secretName?: string): BigQuery {
    const credentials = ctx.secrets.get(secretName ?? "google_application_credentials");
    return this.clients.get({ project, location, userAgent, credentials });
  }
}

interface JobResource {
  status?: { state?: string; errorResult?: { reason?: string; message?: string; location?: string }; errors?: unknown[] };
  configuration?: { query?: { destinationTable?: { projectId: string; datasetId: string; tableId: string } }; dryRun?: boolean };
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
        const phase = TRANSIENT_REASONS.has(reason) ? Phase.RETRYABLE_FAILED : Phase.FAILED;
        return { phase, message: `${reason}: ${error.message ?? "the query failed"}`, logLinks, customInfo };
      }
      const table = job.configuration?.query?.destinationTable;
      const outputs = table ? { results: new DataFrame(`bq://${table.projectId}:${table.datasetId}.${table.tableId}`) } : undefined;
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
  return typeof code === "string" ? code : error instanceof Error ? error.message.split("\n", 1)[0] : String(error);
}

/** A 409 on insert, or an insert whose answer carried job errors, still left our job in BigQuery. */
function createdAnyway(error: unknown): { exists: boolean; location?: string } {
  if (httpStatus(error) === 409) return { exists: true };
  const response = (error as { response?: { jobReference?: { location?: string } } })?.response;
  if (response?.jobReference) return { exists: true, location: response.jobReference.location };
  return { exists: false };
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

/**
 * The Google client takes no AbortSignal: stop waiting when the call is cancelled (the request itself
 * finishes in the background and is ignored).
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
