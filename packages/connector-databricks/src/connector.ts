import type { z as Zod } from "zod";
import {
  AsyncConnector,
  clip,
  ConnectorError,
  jsonMeta,
  parseAnswer,
  TaskExecutionPhase as Phase,
  type CallContext,
  type CreateContext,
  type LogChunk,
  type LogLink,
  type LogsRequest,
  type Resource,
} from "@flyte-connectors/runtime";
import { baseUrlOf, instanceOf, jobSpecOf } from "./job-spec";
import { phaseOfState } from "./states";

/** The task type of flyte-sdk's `flyteplugins-databricks`, version 0. */
export const TASK_TYPE = "databricks";
/** The secret holding the Databricks personal access token (or service principal token). */
export const TOKEN_SECRET = "databricks_token";
const API = "/api/2.1/jobs";
/** Databricks takes idempotency tokens of at most 64 characters. */
const MAX_IDEMPOTENCY_TOKEN = 64;
/** Submissions per create, at most, while Databricks answers 5xx or 429. */
const MAX_SUBMIT_ATTEMPTS = 5;
/** Log lines per `GetTaskLogs` page when the caller does not say. */
const DEFAULT_LOG_PAGE = 1000;

/**
 * The job's `resource_meta`: the Python connector's `DatabricksJobMetadata`, field for field, so a run
 * submitted by one replica can be polled or cancelled by the other during a migration. No token.
 */
export interface DatabricksJobMeta {
  /** The workspace as the task gave it: a host (https) or a URL with a scheme. */
  databricks_instance: string;
  /** The run's id, as a string (as the Python connector writes it). */
  run_id: string;
}

const metaCodec = jsonMeta<DatabricksJobMeta>(["databricks_instance", "run_id"]);

/**
 * The answers' schemas, built on first use: zod loads when the first answer is read, not when a server
 * discovering this package starts (it costs tens of milliseconds of every start-up otherwise).
 */
function buildSchemas(z: typeof Zod) {
  const runId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)], {
    error: "the answer has no run_id",
  });
  return {
    submitted: z.object({ run_id: runId }),
    runView: z.object(
      {
        job_id: z.union([z.number(), z.string()]).optional().catch(undefined),
        run_page_url: z.string().optional().catch(undefined),
        state: z
          .object({
            life_cycle_state: z.string().optional().catch(undefined),
            result_state: z.string().optional().catch(undefined),
            state_message: z.string().optional().catch(undefined),
          })
          .optional()
          .catch(undefined),
      },
      { error: "the answer is not a run" },
    ),
    runOutput: z.object(
      {
        logs: z.string().optional(),
        logs_truncated: z.boolean().optional(),
        error: z.string().optional(),
        error_trace: z.string().optional(),
      },
      { error: "the answer is not a run's output" },
    ),
  };
}
let built: ReturnType<typeof buildSchemas> | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const schemas = () => (built ??= buildSchemas((require("zod") as { z: typeof Zod }).z));

interface Answer {
  status: number;
  body: unknown;
  retryAfter?: string;
}

/** Trouble worth asking again about: Databricks' outages and rate limits, not the task's fault. */
const transient = (status: number) => status >= 500 || status === 429 || status === 408;

/** The Databricks error body's words, clipped; never a header (the token is only ever in one). */
function reason(answer: Answer): string {
  const body = answer.body as { error_code?: unknown; message?: unknown } | undefined;
  if (body && typeof body === "object" && (body.error_code || body.message)) {
    return clip(`${String(body.error_code ?? "")}${body.message ? ` ${String(body.message)}` : ""}`.trim());
  }
  return typeof answer.body === "string" && answer.body ? clip(answer.body) : "no details";
}

function tokenOf(ctx: CallContext): string | undefined {
  return ctx.secrets.get(TOKEN_SECRET) || undefined;
}

const rejected = (status: number) =>
  `Databricks rejected the secret ${TOKEN_SECRET} (HTTP ${status}); check the token and its permissions on the workspace`;

/** The run does not exist as far as Databricks is concerned (unknown, or purged). */
function unknownRun(answer: Answer): boolean {
  const body = answer.body as { error_code?: unknown; message?: unknown } | undefined;
  const code = typeof body === "object" && body ? String(body.error_code ?? "") : "";
  return (
    answer.status === 404 ||
    code === "RESOURCE_DOES_NOT_EXIST" ||
    (answer.status === 400 &&
      (code === "INVALID_PARAMETER_VALUE" || /does not exist/i.test(String(body?.message ?? ""))))
  );
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Seconds of a `Retry-After` header (delta seconds only; a date is ignored). */
function retryAfterMs(value: string | undefined): number | undefined {
  return value && /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : undefined;
}

/**
 * One call on the Jobs API, stopped in time to answer the backend before the call's deadline. Rejects
 * only when there is no answer (refused, reset, timed out); any HTTP status resolves.
 */
async function call(
  ctx: CallContext,
  token: string,
  base: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${base}${API}/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: ctx.beforeDeadline(),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // An HTML error page from a proxy: kept as text for the message.
  }
  return {
    status: response.status,
    body: parsed,
    retryAfter: response.headers.get("retry-after") ?? undefined,
  };
}

/** Why a call got no answer, without the URL's query or any header. */
function noAnswer(error: unknown, ctx: CallContext): string {
  if (ctx.signal.aborted) return "the call was cancelled";
  if (ctx.beforeDeadline().aborted) return "Databricks did not answer before the call's deadline";
  const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
  return `Databricks could not be reached${typeof cause === "string" ? ` (${cause})` : ""}`;
}

/**
 * The Databricks connector: a drop-in for flyte-sdk's `flyteplugins-databricks` connector (task type
 * `databricks`, version 0) on the Jobs API 2.1, with what the Flyte backend relies on that the Python one
 * lacks: an idempotent submit (`idempotency_token`), every run state mapped, outages and rate limits as
 * "not yet" instead of errors, delete of finished and unknown runs, and the run's output as logs.
 *
 * - create: `POST {instance}/api/2.1/jobs/runs/submit` with the task's `databricksConf` (see `jobSpecOf`).
 * - get: `GET runs/get?run_id=`; a "Databricks Console" link `{instance}/#job/{job_id}/run/{run_id}`.
 * - delete: `POST runs/cancel {run_id}`.
 * - getLogs: `GET runs/get-output?run_id=`: `logs`, then `error` and `error_trace`.
 */
export class DatabricksConnector extends AsyncConnector<DatabricksJobMeta> {
  readonly name = "Databricks Connector";
  readonly taskTypeName = TASK_TYPE;
  readonly metadata = metaCodec;

  async create(ctx: CreateContext): Promise<DatabricksJobMeta> {
    const custom = (ctx.taskTemplate.custom ?? {}) as Record<string, unknown>;
    const spec = jobSpecOf(ctx.taskTemplate, ctx.inputs);
    const instance = instanceOf(custom);
    const base = baseUrlOf(instance, "custom.databricksInstance");
    const token = tokenOf(ctx);
    if (!token) {
      throw ConnectorError.badRequest(`the secret ${TOKEN_SECRET} is not set`, {
        details: { field: TOKEN_SECRET },
      });
    }
    // The same task attempt always sends the same token: a retried create finds the run it made before.
    const body = { ...spec, idempotency_token: ctx.idempotencyKey.slice(0, MAX_IDEMPOTENCY_TOKEN) };
    for (let attempt = 0; ; attempt++) {
      let answer: Answer | undefined;
      let problem: string;
      try {
        answer = await call(ctx, token, base, "POST", "runs/submit", body);
      } catch (error) {
        problem = noAnswer(error, ctx);
        if (ctx.signal.aborted) throw ConnectorError.unavailable(problem, { cause: error });
      }
      if (answer) {
        if (answer.status === 401 || answer.status === 403)
          throw ConnectorError.permissionDenied(rejected(answer.status));
        if (answer.status >= 200 && answer.status < 300) {
          const parsed = parseAnswer(schemas().submitted, answer.body);
          if (!parsed.ok)
            throw ConnectorError.unavailable(`Databricks answered runs/submit oddly: ${parsed.problem}`);
          const run = String(parsed.value.run_id);
          ctx.logger.info({ runId: run, deduplicatedBy: body.idempotency_token }, "run submitted");
          return { databricks_instance: instance, run_id: run };
        }
        if (!transient(answer.status)) {
          throw ConnectorError.badRequest(
            `Databricks refused the run (HTTP ${answer.status}): ${reason(answer)}`,
            {
              details: { field: "custom.databricksConf" },
            },
          );
        }
        problem = `Databricks answered runs/submit with HTTP ${answer.status}: ${reason(answer)}`;
      }
      // Transient: ask again while the deadline allows (the idempotency token makes that safe).
      const wait = Math.min(retryAfterMs(answer?.retryAfter) ?? 100 * 2 ** attempt, 2_000);
      if (attempt >= MAX_SUBMIT_ATTEMPTS - 1 || ctx.timeLeft(1_000) <= wait)
        throw ConnectorError.unavailable(problem!);
      ctx.logger.info({ attempt, waitMs: wait }, `runs/submit will be retried: ${problem!}`);
      await sleep(wait, ctx.beforeDeadline());
    }
  }

  async get(meta: DatabricksJobMeta, ctx: CallContext): Promise<Resource> {
    const base = baseUrlOf(meta.databricks_instance);
    const token = tokenOf(ctx);
    if (!token) return { phase: Phase.FAILED, message: `the secret ${TOKEN_SECRET} is not set` };
    let answer: Answer;
    try {
      answer = await call(ctx, token, base, "GET", `runs/get?run_id=${encodeURIComponent(meta.run_id)}`);
    } catch (error) {
      // Down, refused or slow: not the task's failure. Answer "not yet"; the backend asks again.
      return { phase: Phase.RUNNING, message: `${noAnswer(error, ctx)}; will check again` };
    }
    if (answer.status === 429) {
      const after = retryAfterMs(answer.retryAfter);
      return {
        phase: Phase.RUNNING,
        message: `Databricks is rate limiting (HTTP 429${after === undefined ? "" : `, retry after ${after / 1000}s`}); will check again`,
      };
    }
    if (transient(answer.status)) {
      return {
        phase: Phase.RUNNING,
        message: `Databricks answered HTTP ${answer.status} (${reason(answer)}); will check again`,
      };
    }
    if (answer.status === 401 || answer.status === 403)
      return { phase: Phase.FAILED, message: rejected(answer.status) };
    if (unknownRun(answer)) {
      return {
        phase: Phase.FAILED,
        message: `run ${meta.run_id} does not exist on ${base} (${reason(answer)})`,
      };
    }
    const parsed = parseAnswer(schemas().runView, answer.body);
    if (answer.status < 200 || answer.status >= 300 || !parsed.ok) {
      const problem = parsed.ok ? `HTTP ${answer.status}: ${reason(answer)}` : parsed.problem;
      return {
        phase: Phase.RUNNING,
        message: `unexpected answer from Databricks (${problem}); will check again`,
      };
    }
    const { job_id, state } = parsed.value;
    const { phase, message } = phaseOfState(state);
    const logLinks: LogLink[] =
      job_id !== undefined
        ? [{ name: "Databricks Console", uri: `${base}/#job/${job_id}/run/${meta.run_id}` }]
        : parsed.value.run_page_url
          ? [{ name: "Databricks Console", uri: parsed.value.run_page_url }]
          : [];
    return {
      phase,
      message,
      logLinks,
      customInfo: {
        ...(state?.life_cycle_state ? { life_cycle_state: state.life_cycle_state } : {}),
        ...(state?.result_state ? { result_state: state.result_state } : {}),
      },
    };
  }

  async delete(meta: DatabricksJobMeta, ctx: CallContext): Promise<void> {
    const base = baseUrlOf(meta.databricks_instance);
    const token = tokenOf(ctx);
    if (!token)
      throw ConnectorError.badRequest(`the secret ${TOKEN_SECRET} is not set`, {
        details: { field: TOKEN_SECRET },
      });
    let answer: Answer;
    try {
      // The run id as a string, as the Python connector sends it (Databricks accepts both).
      answer = await call(ctx, token, base, "POST", "runs/cancel", { run_id: meta.run_id });
    } catch (error) {
      throw ConnectorError.unavailable(`cannot cancel run ${meta.run_id}: ${noAnswer(error, ctx)}`, {
        cause: error,
      });
    }
    if (answer.status >= 200 && answer.status < 300) return; // cancelled, or already finished (a no-op)
    if (answer.status === 401 || answer.status === 403)
      throw ConnectorError.permissionDenied(rejected(answer.status));
    // Unknown to Databricks: deleted as far as the backend cares (it deletes again at garbage collection).
    if (unknownRun(answer)) {
      ctx.logger.info({ runId: meta.run_id }, "run unknown to Databricks; nothing to cancel");
      return;
    }
    throw ConnectorError.unavailable(
      `Databricks answered the cancellation of run ${meta.run_id} with HTTP ${answer.status}: ${reason(answer)}`,
    );
  }

  /**
   * The run's output as log lines: `logs` (the driver's stdout, up to Databricks' 5 MB), then `error`
   * and `error_trace` for a failed run. The token is a line offset; `request.lines` lines per page.
   */
  override async *getLogs(
    meta: DatabricksJobMeta,
    request: LogsRequest,
    ctx: CallContext,
  ): AsyncIterable<LogChunk> {
    const base = baseUrlOf(meta.databricks_instance);
    const token = tokenOf(ctx);
    if (!token) {
      // GetTaskLogs carries no task secrets: the token must be the deployment's (FLYTE_SECRET_DATABRICKS_TOKEN).
      throw ConnectorError.permissionDenied(
        `the secret ${TOKEN_SECRET} is not set; log requests carry no task secrets, so give the connector ` +
          "the token as FLYTE_SECRET_DATABRICKS_TOKEN or /etc/secrets/databricks_token",
      );
    }
    const offset = request.token ? Number(request.token) : 0;
    if (!Number.isInteger(offset) || offset < 0) {
      throw ConnectorError.badRequest(
        `the logs token ${JSON.stringify(clip(request.token))} is not one this connector gave`,
        {
          details: { field: "token" },
        },
      );
    }
    let answer: Answer;
    try {
      answer = await call(
        ctx,
        token,
        base,
        "GET",
        `runs/get-output?run_id=${encodeURIComponent(meta.run_id)}`,
      );
    } catch (error) {
      throw ConnectorError.unavailable(
        `cannot read the output of run ${meta.run_id}: ${noAnswer(error, ctx)}`,
        { cause: error },
      );
    }
    if (answer.status === 401 || answer.status === 403)
      throw ConnectorError.permissionDenied(rejected(answer.status));
    if (unknownRun(answer)) throw ConnectorError.notFound(`run ${meta.run_id} does not exist on ${base}`);
    if (answer.status < 200 || answer.status >= 300) {
      throw ConnectorError.unavailable(
        `cannot read the output of run ${meta.run_id}: HTTP ${answer.status}: ${reason(answer)}`,
      );
    }
    const parsed = parseAnswer(schemas().runOutput, answer.body);
    if (!parsed.ok)
      throw ConnectorError.unavailable(`Databricks answered runs/get-output oddly: ${parsed.problem}`);
    const { logs, logs_truncated, error, error_trace } = parsed.value;
    const lines = logs ? logs.replace(/\n$/, "").split("\n") : [];
    if (logs_truncated) lines.push("[the log was truncated by Databricks]");
    if (error) lines.push(`error: ${error}`);
    if (error_trace) lines.push(...error_trace.replace(/\n$/, "").split("\n"));
    const end = request.lines > 0 ? Math.min(lines.length, offset + request.lines) : lines.length;
    for (let at = offset; at < end; at += DEFAULT_LOG_PAGE) {
      yield { lines: lines.slice(at, Math.min(end, at + DEFAULT_LOG_PAGE)) };
    }
    yield { token: end < lines.length ? String(end) : "" };
  }
}
