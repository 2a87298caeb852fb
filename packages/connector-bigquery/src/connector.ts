import { randomUUID } from "node:crypto";
import type { BigQuery } from "@google-cloud/bigquery";
import {
  AsyncConnector,
  clip,
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
import {
  destinationTable,
  jobError,
  parseInsertAnswer,
  parseJobResource,
  statisticsInfo,
  type JobResource,
} from "./job-resource";
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
 * - get reports the job's state, the destination table as output `results`, and statistics. A job
 *   resource of an unexpected shape is reported as RUNNING with a message (see `job-resource.ts`).
 * - delete cancels; unknown and finished jobs count as done.
 */
export class BigQueryConnector extends AsyncConnector<BigQueryJobMeta> {
  readonly name = "Bigquery Connector";
  readonly taskTypeName = TASK_TYPE;
  readonly metadata = jsonMeta<BigQueryJobMeta>(["job_id", "project", "location"]);
  readonly #clients: BigQueryClients;
  readonly #defaultSdkVersion: string;

  constructor(options: BigQueryConnectorOptions = {}) {
    super();
    this.#clients = new BigQueryClients(options);
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
    let answer: unknown;
    try {
      answer = await beforeDeadline(
        insertJob(client, {
          jobReference: { projectId: config.project, jobId, location },
          configuration: { query, ...job },
        }),
        ctx,
      );
    } catch (error) {
      // 409: the job exists, made by an earlier attempt of this create. It is ours.
      if (httpStatus(error) === 409) {
        logger.info({ jobId, location }, "query job exists already (repeated create)");
        return { job_id: jobId, project: config.project, location: location ?? "", user_agent: userAgent };
      }
      if (signal.aborted) throw error;
      throw toConnectorError(error, "create the query job");
    }
    const inserted = parseInsertAnswer(answer);
    if (!inserted.ok) {
      // Retryable: the job may exist, and the retry's insert of the same job id gets 409 and keeps it.
      throw ConnectorError.unavailable(
        `BigQuery gave an unexpected answer to the job insert (${inserted.problem})`,
      );
    }
    location = inserted.value.location ?? location;
    logger.info(
      { jobId, location },
      inserted.value.failedAtOnce ? "query job created; it failed at once" : "query job created",
    );
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
    let answer: unknown;
    try {
      [answer] = await beforeDeadline(
        client.job(meta.job_id, { location: meta.location || undefined }).getMetadata(),
        ctx,
      );
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
          : error instanceof SyntaxError
            ? "gave an unexpected answer (a body that is not JSON)"
            : `is unreachable (${describeError(error)})`;
      return { phase: Phase.RUNNING, message: `BigQuery ${trouble}; will check again`, logLinks };
    }
    const job = parseJobResource(answer);
    if (!job.ok) {
      // Not terminal: a proxy's page or an API hiccup usually passes, and the task's timeout bounds it.
      return {
        phase: Phase.RUNNING,
        message: `BigQuery gave an unexpected answer (${job.problem}); will check again`,
        logLinks,
      };
    }
    return resourceOf(job.value, logLinks);
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
    return this.#clients.get({ project, location, userAgent, credentials: credentialsFor(ctx, secretName) });
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

function resourceOf(job: JobResource, logLinks: LogLink[]): Resource {
  const state = job.status.state;
  const customInfo = statisticsInfo(job);
  switch (state) {
    case "PENDING":
      return { phase: Phase.QUEUED, message: "PENDING", logLinks };
    case "RUNNING":
      return { phase: Phase.RUNNING, message: "RUNNING", logLinks };
    case "DONE": {
      const error = jobError(job.status.errorResult);
      if (error) {
        const { reason } = error;
        // "stopped" is how BigQuery ends a cancelled job.
        const phase =
          reason === "stopped"
            ? Phase.ABORTED
            : reason !== undefined && TRANSIENT_REASONS.has(reason)
              ? Phase.RETRYABLE_FAILED
              : Phase.FAILED;
        return {
          phase,
          message: reason ? `${reason}: ${error.message}` : error.message,
          logLinks,
          customInfo,
        };
      }
      if (job.configuration?.labels?.[NO_OUTPUTS_LABEL] === "none") {
        return { phase: Phase.SUCCEEDED, message: "DONE", logLinks, customInfo };
      }
      const table = destinationTable(job);
      if (!table.ok) {
        // Terminal: a finished job's resource will not change, and the output cannot be named.
        return {
          phase: Phase.FAILED,
          message: `the job is DONE but its result table cannot be read (${table.problem})`,
          logLinks,
          customInfo,
        };
      }
      const outputs = table.value
        ? {
            results: new DataFrame(
              `bq://${table.value.projectId}:${table.value.datasetId}.${table.value.tableId}`,
            ),
          }
        : undefined;
      return { phase: Phase.SUCCEEDED, message: "DONE", logLinks, outputs, customInfo };
    }
    default:
      // A state this version does not know: keep polling rather than guess an ending.
      return {
        phase: Phase.RUNNING,
        message: `unrecognised job state ${JSON.stringify(clip(state, 100))}; will check again`,
        logLinks,
      };
  }
}

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

function describeError(error: unknown): string {
  const status = httpStatus(error);
  if (status !== undefined) return `HTTP ${status}`;
  const code = (error as { code?: unknown })?.code;
  return clip(typeof code === "string" ? code : firstLine(error), 200);
}

/** The first line of an error's message: the Google client appends every sub-error on lines below. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n", 1)[0];
}

/**
 * `jobs.insert`, through the client's authenticated request (its retries and user agent included). Not
 * `createJob`: that reads `status.errors` of the answer unchecked, and an answer without `status` turns
 * into an unhandled rejection and a call that never settles.
 */
function insertJob(client: BigQuery, body: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.request({ method: "POST", uri: "/jobs", json: body }, (error, answer) =>
      error ? reject(error) : resolve(answer),
    );
  });
}

function toConnectorError(error: unknown, action: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const status = httpStatus(error);
  const message =
    error instanceof SyntaxError
      ? `could not ${action}: BigQuery gave an answer that is not JSON`
      : `could not ${action}: ${clip(firstLine(error))}`;
  if (status === 400) return ConnectorError.badRequest(message, { cause: error });
  if (status === 401 || status === 403) return ConnectorError.permissionDenied(message, { cause: error });
  if (status === 404) return ConnectorError.notFound(message, { cause: error });
  return ConnectorError.unavailable(message, { cause: error });
}

/** The connector stopped waiting for BigQuery to keep time to answer before the call's deadline. */
class NoAnswerInTime extends Error {
  override readonly name = "NoAnswerInTime";
}

/**
 * Waits for a Google client call until the call is cancelled or the runtime's `beforeDeadline()` signal
 * says it is time to answer (the deadline less the runtime's default margin). The client takes no
 * AbortSignal, so the request itself goes on in the background (bounded by the client's retry settings)
 * and its result is ignored.
 */
function beforeDeadline<T>(promise: Promise<T>, ctx: CallContext): Promise<T> {
  const soon = ctx.beforeDeadline();
  const stopped = () =>
    ctx.signal.aborted ? ctx.signal.reason : new NoAnswerInTime("BigQuery did not answer in time");
  if (soon.aborted) return Promise.reject(stopped());
  return new Promise<T>((resolve, reject) => {
    const onStop = () => reject(stopped());
    soon.addEventListener("abort", onStop, { once: true });
    promise.then(
      (value) => {
        soon.removeEventListener("abort", onStop);
        resolve(value);
      },
      (error: unknown) => {
        soon.removeEventListener("abort", onStop);
        reject(error);
      },
    );
  });
}
