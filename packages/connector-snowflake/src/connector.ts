import { createHash } from "node:crypto";
import type { z as Zod } from "zod";
import {
  AsyncConnector,
  clip,
  ConnectorError,
  DataFrame,
  jsonMeta,
  parseAnswer,
  TaskExecutionPhase as Phase,
  type CallContext,
  type CreateContext,
  type LogLink,
  type Resource,
} from "@flyte-connectors/runtime";
import { authHeaders, withoutCredentials } from "./auth";
import { statementOf } from "./query";

/** The task type of flyte-sdk's `flyteplugins-snowflake`, version 0. */
export const TASK_TYPE = "snowflake";
/** Where the SQL API is, when not `https://{account}.snowflakecomputing.com` (e.g. the local emulator). */
export const API_URL_ENV = "SNOWFLAKE_API_URL";
const STATEMENTS = "/api/v2/statements";
/** Submissions per create, at most, while Snowflake answers 5xx or 429. */
const MAX_SUBMIT_ATTEMPTS = 5;
/** The namespace of the v5-style request ids derived from idempotency keys (fixed: the same key, the same id). */
const REQUEST_ID_NAMESPACE = Buffer.from("6f1c0d2a8e4b4f3a9c7d5e1b2a3c4d5e", "hex");
/** The SQL API's code of a statement that was cancelled. */
const CANCELLED_CODE = "000604";

/**
 * The job's `resource_meta`: the Python connector's `SnowflakeJobMetadata`, field for field, so a query
 * submitted by one replica can be polled or cancelled by the other during a migration. No key, passphrase
 * or JWT: those come from the task's secrets on every call.
 */
export interface SnowflakeJobMeta {
  account: string;
  user: string;
  database: string;
  schema: string;
  warehouse: string;
  /** The statement handle (Snowflake's query id). */
  query_id: string;
  /** Whether the task declares outputs: on success, `results` is a DataFrame naming the query's result. */
  has_output: boolean;
  connection_kwargs?: Record<string, unknown> | null;
}

const metaCodec = jsonMeta<SnowflakeJobMeta>(["account", "user", "query_id"]);

/**
 * The answers' schemas, built on first use: zod loads when the first answer is read, not when a server
 * discovering this package starts.
 */
function buildSchemas(z: typeof Zod) {
  return {
    handleAnswer: z.object({
      statementHandle: z.string({ error: "the answer has no statementHandle" }).min(1),
    }),
    errorAnswer: z.object({
      code: z.string().optional().catch(undefined),
      sqlState: z.string().optional().catch(undefined),
      message: z.string().optional().catch(undefined),
      statementHandle: z.string().optional().catch(undefined),
    }),
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

/** Trouble worth asking again about: Snowflake's outages and rate limits, not the task's fault. */
const transient = (status: number) => status >= 500 || status === 429 || status === 408;

/** A v5-style UUID (SHA-1 of a fixed namespace and the key, RFC 9562 layout): the SQL API's `requestId`. */
export function requestIdOf(idempotencyKey: string): string {
  const bytes = createHash("sha1")
    .update(REQUEST_ID_NAMESPACE)
    .update(idempotencyKey, "utf8")
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The SQL API's base URL: `SNOWFLAKE_API_URL`, else `https://{account}.snowflakecomputing.com`. */
export function apiUrlOf(account: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[API_URL_ENV];
  if (override) return override.replace(/\/+$/, "");
  if (!/^[A-Za-z0-9_.-]+$/.test(account)) {
    throw ConnectorError.badRequest(
      `custom.account ${JSON.stringify(clip(account, 80))} is not a Snowflake account identifier`,
      {
        details: { field: "custom.account" },
      },
    );
  }
  return `https://${account.toLowerCase()}.snowflakecomputing.com`;
}

/**
 * The Python connector's `_construct_query_link`: `https://app.snowflake.com/{org}/{account}/#/compute/
 * history/queries/{query_id}/detail`, org and account split at the first `-`; a plain locator alone.
 */
export function queryLink(account: string, queryId: string): string {
  const dash = account.indexOf("-");
  const base =
    dash >= 0
      ? `https://app.snowflake.com/${account.slice(0, dash)}/${account.slice(dash + 1)}`
      : `https://app.snowflake.com/${account}`;
  return `${base}/#/compute/history/queries/${queryId}/detail`;
}

/** The output's URI, as the Python connector writes it. */
export const resultsUri = (m: SnowflakeJobMeta) =>
  `snowflake://${m.user}/${m.account}/${m.warehouse}/${m.database}/${m.schema}/${m.query_id}`;

/** Snowflake's error body in words, clipped; never a header (the JWT is only ever in one). */
function reason(answer: Answer): string {
  const parsed = schemas().errorAnswer.safeParse(answer.body);
  if (parsed.success && (parsed.data.code || parsed.data.message)) {
    const { code, sqlState, message } = parsed.data;
    return clip(
      [code, sqlState && `(${sqlState})`].filter(Boolean).join(" ") + (message ? `: ${message}` : ""),
    );
  }
  return typeof answer.body === "string" && answer.body ? clip(answer.body) : "no details";
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

function retryAfterMs(value: string | undefined): number | undefined {
  return value && /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : undefined;
}

/** One call on the SQL API, stopped in time to answer the backend before the call's deadline. */
async function call(
  ctx: CallContext,
  headers: Record<string, string>,
  url: string,
  method: "GET" | "POST",
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...headers,
      accept: "application/json",
      "user-agent": "flyte-connectors-snowflake",
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

/** Why a call got no answer, without any header. */
function noAnswer(error: unknown, ctx: CallContext): string {
  if (ctx.signal.aborted) return "the call was cancelled";
  if (ctx.beforeDeadline().aborted) return "Snowflake did not answer before the call's deadline";
  const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
  return `Snowflake could not be reached${typeof cause === "string" ? ` (${cause})` : ""}`;
}

const rejected = (status: number, answer: Answer) =>
  `Snowflake rejected the credentials (HTTP ${status}: ${reason(answer)}); check the secret snowflake_private_key ` +
  "(and its passphrase), the user's registered public key, account and user";

function text(custom: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const value = custom[key];
  if (value === undefined || value === null || value === "") {
    if (required)
      throw ConnectorError.badRequest(`custom.${key} is required`, { details: { field: `custom.${key}` } });
    return undefined;
  }
  if (typeof value !== "string") {
    throw ConnectorError.badRequest(`custom.${key} must be a string`, {
      details: { field: `custom.${key}` },
    });
  }
  return value;
}

/** The SQL API body's context fields from the meta: database, schema, warehouse, role, session parameters. */
function contextOf(meta: Pick<SnowflakeJobMeta, "database" | "schema" | "warehouse" | "connection_kwargs">) {
  const kwargs = meta.connection_kwargs ?? {};
  const parameters = kwargs.session_parameters;
  return {
    database: meta.database,
    schema: meta.schema,
    warehouse: meta.warehouse,
    ...(typeof kwargs.role === "string" && kwargs.role ? { role: kwargs.role } : {}),
    ...(parameters && typeof parameters === "object" && !Array.isArray(parameters) ? { parameters } : {}),
  };
}

/**
 * The Snowflake connector: a drop-in for flyte-sdk's `flyteplugins-snowflake` connector (task type
 * `snowflake`, version 0), stateless on the SQL API v2 — no driver, no session, no connection cache.
 *
 * - create: `POST /api/v2/statements?async=true&requestId=<uuid from the idempotency key>&retry=true` with
 *   the statement, its `?` bindings, database, schema, warehouse and role; the same attempt is the same
 *   statement.
 * - get: `GET /api/v2/statements/{query_id}`: 202 RUNNING, 200 SUCCEEDED (outputs `results` as a
 *   `snowflake://` DataFrame when the task declares outputs), 422 FAILED with Snowflake's code and message.
 * - delete: `POST /api/v2/statements/{query_id}/cancel`; finished and unknown statements are fine.
 */
export class SnowflakeConnector extends AsyncConnector<SnowflakeJobMeta> {
  readonly name = "Snowflake Connector";
  readonly taskTypeName = TASK_TYPE;
  readonly metadata = metaCodec;

  async create(ctx: CreateContext): Promise<SnowflakeJobMeta> {
    const custom = (ctx.taskTemplate.custom ?? {}) as Record<string, unknown>;
    const account = text(custom, "account", true)!;
    const user = text(custom, "user", true)!;
    const database = text(custom, "database", true)!;
    const warehouse = text(custom, "warehouse", true)!;
    const schema = text(custom, "schema", false) ?? "PUBLIC";
    const kwargs = custom.connection_kwargs ?? {};
    if (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) {
      throw ConnectorError.badRequest("custom.connection_kwargs must be an object", {
        details: { field: "custom.connection_kwargs" },
      });
    }
    const connectionKwargs = kwargs as Record<string, unknown>;
    const base = apiUrlOf(account);
    const { statement, bindings } = statementOf(ctx.taskTemplate, ctx.inputs, custom.batch === true);
    const headers = await authHeaders(ctx, account, user, connectionKwargs);
    const hasOutput = (ctx.taskTemplate.interface?.outputs?.variables?.length ?? 0) > 0;
    const meta = {
      account,
      user,
      database,
      schema,
      warehouse,
      connection_kwargs: withoutCredentials(connectionKwargs),
    };
    const body = { statement, ...contextOf(meta), ...(bindings ? { bindings } : {}) };
    // The same task attempt always sends the same requestId; retry=true makes Snowflake answer the
    // statement it already has for it instead of running the SQL again.
    const requestId = requestIdOf(ctx.idempotencyKey);
    const url = `${base}${STATEMENTS}?async=true&requestId=${requestId}&retry=true`;
    for (let attempt = 0; ; attempt++) {
      let answer: Answer | undefined;
      let problem: string;
      try {
        answer = await call(ctx, headers, url, "POST", body);
      } catch (error) {
        problem = noAnswer(error, ctx);
        if (ctx.signal.aborted) throw ConnectorError.unavailable(problem, { cause: error });
      }
      if (answer) {
        if (answer.status === 401 || answer.status === 403) {
          throw ConnectorError.permissionDenied(rejected(answer.status, answer));
        }
        const handle = parseAnswer(schemas().handleAnswer, answer.body);
        // 200/202: submitted (or known already); 422 with a handle: it exists and failed — get reports it.
        if ((answer.status >= 200 && answer.status < 300) || (answer.status === 422 && handle.ok)) {
          if (!handle.ok)
            throw ConnectorError.unavailable(`Snowflake answered the submission oddly: ${handle.problem}`);
          ctx.logger.info({ queryId: handle.value.statementHandle, requestId }, "statement submitted");
          // The Python connector's field order.
          return {
            account,
            user,
            database,
            schema,
            warehouse,
            query_id: handle.value.statementHandle,
            has_output: hasOutput,
            connection_kwargs: meta.connection_kwargs,
          };
        }
        if (!transient(answer.status)) {
          throw ConnectorError.badRequest(
            `Snowflake refused the statement (HTTP ${answer.status}): ${reason(answer)}`,
            {
              details: { field: "sql.statement" },
            },
          );
        }
        problem = `Snowflake answered the submission with HTTP ${answer.status}: ${reason(answer)}`;
      }
      const wait = Math.min(retryAfterMs(answer?.retryAfter) ?? 100 * 2 ** attempt, 2_000);
      if (attempt >= MAX_SUBMIT_ATTEMPTS - 1 || ctx.timeLeft(1_000) <= wait)
        throw ConnectorError.unavailable(problem!);
      ctx.logger.info({ attempt, waitMs: wait }, `the submission will be retried: ${problem!}`);
      await sleep(wait, ctx.beforeDeadline());
    }
  }

  async get(meta: SnowflakeJobMeta, ctx: CallContext): Promise<Resource> {
    const logLinks: LogLink[] = [
      { name: "Snowflake Dashboard", uri: queryLink(meta.account, meta.query_id) },
    ];
    let headers: Record<string, string>;
    try {
      headers = await authHeaders(ctx, meta.account, meta.user, meta.connection_kwargs ?? {});
    } catch (error) {
      // No usable credentials: this poll cannot succeed, nor will the next.
      return { phase: Phase.FAILED, message: (error as Error).message, logLinks };
    }
    let answer: Answer;
    try {
      answer = await call(
        ctx,
        headers,
        `${apiUrlOf(meta.account)}${STATEMENTS}/${encodeURIComponent(meta.query_id)}`,
        "GET",
      );
    } catch (error) {
      return { phase: Phase.RUNNING, message: `${noAnswer(error, ctx)}; will check again`, logLinks };
    }
    const { status } = answer;
    if (status === 202) return { phase: Phase.RUNNING, message: "RUNNING", logLinks };
    if (status === 200) {
      return {
        phase: Phase.SUCCEEDED,
        message: "SUCCESS",
        logLinks,
        ...(meta.has_output ? { outputs: { results: new DataFrame(resultsUri(meta)) } } : {}),
      };
    }
    if (status === 422) {
      const parsed = schemas().errorAnswer.safeParse(answer.body);
      const code = parsed.success ? parsed.data.code : undefined;
      const sqlState = parsed.success ? parsed.data.sqlState : undefined;
      return {
        phase: code === CANCELLED_CODE ? Phase.ABORTED : Phase.FAILED,
        message: reason(answer),
        logLinks,
        customInfo: { ...(code ? { code } : {}), ...(sqlState ? { sqlState } : {}) },
      };
    }
    if (status === 429 || transient(status)) {
      return {
        phase: Phase.RUNNING,
        message: `Snowflake answered HTTP ${status} (${reason(answer)}); will check again`,
        logLinks,
      };
    }
    if (status === 401 || status === 403)
      return { phase: Phase.FAILED, message: rejected(status, answer), logLinks };
    if (status === 404) {
      return {
        phase: Phase.FAILED,
        message: `query ${meta.query_id} does not exist (${reason(answer)})`,
        logLinks,
      };
    }
    return {
      phase: Phase.RUNNING,
      message: `unexpected answer from Snowflake (HTTP ${status}: ${reason(answer)}); will check again`,
      logLinks,
    };
  }

  async delete(meta: SnowflakeJobMeta, ctx: CallContext): Promise<void> {
    const headers = await authHeaders(ctx, meta.account, meta.user, meta.connection_kwargs ?? {});
    let answer: Answer;
    try {
      answer = await call(
        ctx,
        headers,
        `${apiUrlOf(meta.account)}${STATEMENTS}/${encodeURIComponent(meta.query_id)}/cancel`,
        "POST",
      );
    } catch (error) {
      throw ConnectorError.unavailable(`cannot cancel query ${meta.query_id}: ${noAnswer(error, ctx)}`, {
        cause: error,
      });
    }
    // Cancelled, finished already (a no-op), failed, or unknown to Snowflake: deleted as far as the backend cares.
    if ((answer.status >= 200 && answer.status < 300) || answer.status === 404 || answer.status === 422) {
      ctx.logger.info(
        { queryId: meta.query_id, status: answer.status },
        "query cancelled (or nothing to cancel)",
      );
      return;
    }
    if (answer.status === 401 || answer.status === 403)
      throw ConnectorError.permissionDenied(rejected(answer.status, answer));
    throw ConnectorError.unavailable(
      `Snowflake answered the cancellation of query ${meta.query_id} with HTTP ${answer.status}: ${reason(answer)}`,
    );
  }
}
