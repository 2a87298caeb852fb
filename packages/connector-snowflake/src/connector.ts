import { z } from "zod";
import {
  AsyncConnector,
  clip,
  ConnectorError,
  jsonMeta,
  parseAnswer,
  TaskExecutionPhase as Phase,
  type CallContext,
  type CreateContext,
  type Resource,
} from "@flyte-connectors/runtime";

/** The task type this connector serves: what a task's `task_type` must be for the backend to route it here. */
export const TASK_TYPE = "snowflake";

/**
 * The job's `resource_meta`, stored by the Flyte backend between calls. Keep it small, and never put a
 * credential in it: the backend stores it as is.
 */
export interface SnowflakeJobMeta {
  job_id: string;
  endpoint: string;
}

/*
 * The external system's jobs API (change these to the real one):
 *   POST   {endpoint}/jobs       {"input": ...}  → 200/201 {"id": "..."}; an `Idempotency-Key` header makes a
 *                                                 repeated submission answer the same job
 *   GET    {endpoint}/jobs/{id}                  → {"id", "state": queued|running|succeeded|failed, "result"?, "error"?}
 *   DELETE {endpoint}/jobs/{id}                  → 2xx; 404 for a job it does not know
 * Every call sends `Authorization: Bearer <api_key>` (the task's secret `api_key`).
 */
const submitted = z.object({ id: z.string({ error: "the answer has no job id" }).min(1) });
const job = z.object({
  state: z.enum(["queued", "running", "succeeded", "failed"], { error: "the job's state is unknown" }),
  result: z.string().optional(),
  error: z.string().optional(),
});

/** An http(s) URL without trailing slashes; `field` names where it came from when it is not one. */
function endpointOf(value: unknown, field: string): string {
  if (typeof value !== "string" || !/^https?:\/\/./.test(value)) {
    throw ConnectorError.badRequest(`${field} must be an http(s) URL of the jobs API`, {
      details: { field },
    });
  }
  return value.replace(/\/+$/, "");
}

function apiKeyOf(ctx: CallContext): string {
  const key = ctx.secrets.get("api_key");
  if (!key)
    throw ConnectorError.badRequest("the secret api_key is not set", { details: { field: "api_key" } });
  return key;
}

/** A fetch that stops in time to answer the backend before its deadline (see `beforeDeadline`). */
function call(ctx: CallContext, url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    headers: {
      authorization: `Bearer ${apiKeyOf(ctx)}`,
      "content-type": "application/json",
      ...init.headers,
    },
    signal: ctx.beforeDeadline(),
  });
}

/** An answer body as JSON, or undefined: external systems answer HTML error pages too. */
async function body(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** 5xx, 429 and 408 are the external system's trouble, not the task's: worth asking again. */
function transient(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * Snowflake Connector: runs one job on the external system per task of type `snowflake`.
 *
 * The Flyte backend calls `create` once per task attempt (and again if that call timed out), `get`
 * every few seconds until the phase is terminal, and `delete` on abort and again at garbage collection:
 * each must be safe to repeat.
 */
export class SnowflakeConnector extends AsyncConnector<SnowflakeJobMeta> {
  readonly name = "Snowflake Connector";
  readonly taskTypeName = TASK_TYPE;
  readonly metadata = jsonMeta<SnowflakeJobMeta>(["job_id", "endpoint"]);

  async create(ctx: CreateContext): Promise<SnowflakeJobMeta> {
    const endpoint = endpointOf(ctx.taskTemplate.custom?.endpoint, "custom.endpoint");
    const response = await call(ctx, `${endpoint}/jobs`, {
      method: "POST",
      // The same task attempt always has the same key: a retried create finds the job it made before.
      headers: { "idempotency-key": ctx.idempotencyKey },
      body: JSON.stringify({ input: ctx.inputs.text }),
    }).catch((cause: unknown) => {
      throw ConnectorError.unavailable(`the jobs API at ${endpoint} did not answer`, { cause });
    });
    const answer = await body(response).catch((cause: unknown) => {
      throw ConnectorError.unavailable("the jobs API's answer to the submission was cut off", { cause });
    });
    if (!response.ok) {
      const message = `the jobs API refused the job: HTTP ${response.status} ${clip(String(JSON.stringify(answer)))}`;
      throw transient(response.status)
        ? ConnectorError.unavailable(message)
        : ConnectorError.badRequest(message);
    }
    const parsed = parseAnswer(submitted, answer);
    if (!parsed.ok)
      throw ConnectorError.unavailable(`the jobs API answered the submission oddly: ${parsed.problem}`);
    ctx.logger.info({ jobId: parsed.value.id }, "job submitted");
    return { job_id: parsed.value.id, endpoint };
  }

  async get(meta: SnowflakeJobMeta, ctx: CallContext): Promise<Resource> {
    const url = `${endpointOf(meta.endpoint, "resource_meta.endpoint")}/jobs/${encodeURIComponent(meta.job_id)}`;
    let response: Response;
    try {
      response = await call(ctx, url);
    } catch {
      // Down, refused or slow: not the task's failure. Answer "still running" and the backend asks again.
      return { phase: Phase.RUNNING, message: "the jobs API did not answer in time; will check again" };
    }
    const answer = await body(response).catch(() => undefined);
    if (transient(response.status)) {
      return {
        phase: Phase.RUNNING,
        message: `the jobs API answered HTTP ${response.status}; will check again`,
      };
    }
    if (response.status === 401 || response.status === 403) {
      return {
        phase: Phase.FAILED,
        message: `the jobs API rejected the api_key secret (HTTP ${response.status})`,
      };
    }
    if (response.status === 404) {
      return { phase: Phase.FAILED, message: `job ${meta.job_id} no longer exists` };
    }
    const parsed = parseAnswer(job, answer);
    if (!response.ok || !parsed.ok) {
      const problem = parsed.ok ? `HTTP ${response.status}` : parsed.problem;
      return {
        phase: Phase.RUNNING,
        message: `unexpected answer from the jobs API (${problem}); will check again`,
      };
    }
    const { state, result, error } = parsed.value;
    switch (state) {
      case "queued":
        return { phase: Phase.QUEUED, message: "queued" };
      case "running":
        return { phase: Phase.RUNNING, message: "running" };
      case "failed":
        return { phase: Phase.FAILED, message: `the job failed: ${clip(error ?? "no reason given")}` };
      case "succeeded":
        return { phase: Phase.SUCCEEDED, outputs: { result: result ?? "" } };
    }
  }

  async delete(meta: SnowflakeJobMeta, ctx: CallContext): Promise<void> {
    const url = `${endpointOf(meta.endpoint, "resource_meta.endpoint")}/jobs/${encodeURIComponent(meta.job_id)}`;
    const response = await call(ctx, url, { method: "DELETE" }).catch((cause: unknown) => {
      throw ConnectorError.unavailable("the jobs API did not answer the cancellation", { cause });
    });
    await response.body?.cancel();
    // Unknown or already finished jobs are deleted as far as the backend cares: it deletes again at GC.
    if (response.ok || response.status === 404 || response.status === 409) return;
    throw ConnectorError.unavailable(`the jobs API answered the cancellation with HTTP ${response.status}`);
  }
}
