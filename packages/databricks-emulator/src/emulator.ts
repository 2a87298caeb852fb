import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { FaultState, type Faults } from "./faults";
import {
  OUTCOMES,
  TASK_KINDS,
  advance,
  cancel,
  currentState,
  isFinished,
  plannedStates,
  requestedOutcome,
  runOutput,
  type Run,
  type RunOutcome,
} from "./runs";

export const DEFAULT_HOST = "127.0.0.1";
/** The Jobs API version the emulator serves; `/api/2.0/jobs/...` is answered the same way. */
export const API_PREFIXES = ["/api/2.1/jobs/", "/api/2.0/jobs/"];
const MAX_IDEMPOTENCY_TOKEN = 64;
const MAX_LIST_LIMIT = 25;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface DatabricksEmulatorOptions {
  /** The personal access token every request must carry as `Authorization: Bearer <token>`. */
  token: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** How runs end unless the submit body or `scriptNextRuns` says otherwise. Default `success`. */
  defaultOutcome?: RunOutcome;
  /** A pino logger for request lines; default silent. Tokens are never logged. */
  logger?: Logger;
}

/** A run as `runs/get` and `runs/list` show it. */
export type RunView = Record<string, unknown> & { run_id: number; job_id: number; state?: unknown };

export interface RunningDatabricksEmulator {
  /** `http://host:port`: what a connector takes as `databricksInstance`. */
  readonly url: string;
  readonly port: number;
  readonly faults: Faults;
  /** The next `count` submitted runs (default 1) end with `outcome`, ahead of the default. */
  scriptNextRuns(outcome: RunOutcome, count?: number): void;
  /** The run's view as `runs/get` would show it, without stepping it; undefined for an unknown run. */
  run(runId: number | string): RunView | undefined;
  /** Every run, oldest first. */
  runs(): RunView[];
  /** How many `runs/submit` requests were answered with a new run or a deduplicated one. */
  readonly submissions: ReadonlyArray<{
    body: Record<string, unknown>;
    runId: number;
    deduplicated: boolean;
  }>;
  /**
   * Pins what `runs/get` says about the run's `state` (any JSON; `null` leaves `state` out) and stops it
   * stepping: for testing how clients map every state.
   */
  setRunState(runId: number | string, state: Record<string, unknown> | null): void;
  /** Makes `runs/get` of the run answer exactly this body (a string goes out as is, not as JSON). */
  setRunAnswer(runId: number | string, body: unknown): void;
  /** Resolves when the emulator next holds a request under `faults.hang` (to wait for it without sleeping). */
  nextHang(): Promise<{ method: string; path: string }>;
  /** How many requests are held under `faults.hang` now. */
  readonly hungRequests: number;
  /** Stops the server; hung requests are dropped. Safe to call twice. */
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new ApiError(400, "INVALID_PARAMETER_VALUE", message);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function runIdOf(value: unknown): number {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^\d{1,15}$/.test(text))
    throw invalid(`Invalid run_id: ${JSON.stringify(value ?? null)}. It must be a positive integer.`);
  return Number(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES)
        reject(new ApiError(413, "INVALID_PARAMETER_VALUE", "request body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Which task kinds and cluster a submit body names; throws a 400 as Databricks does for a body it cannot run. */
function validateSubmit(body: Record<string, unknown>): void {
  const kinds = TASK_KINDS.filter((k) => body[k] !== undefined);
  const multiTask = Array.isArray(body.tasks);
  if (!multiTask && kinds.length === 0) {
    throw invalid(`One of ${TASK_KINDS.join(", ")} or tasks must be specified.`);
  }
  if (kinds.length > 1) throw invalid(`Only one task type can be specified; got ${kinds.join(", ")}.`);
  for (const kind of kinds) if (!isObject(body[kind])) throw invalid(`${kind} must be an object.`);
  const needsCluster = kinds.some((k) => k !== "sql_task" && k !== "pipeline_task" && k !== "run_job_task");
  if (
    needsCluster &&
    body.existing_cluster_id === undefined &&
    body.new_cluster === undefined &&
    body.environments === undefined
  ) {
    throw invalid("One of existing_cluster_id or new_cluster must be specified.");
  }
  if (body.new_cluster !== undefined && !isObject(body.new_cluster))
    throw invalid("new_cluster must be an object.");
  if (
    kinds[0] === "sql_task" &&
    typeof (body.sql_task as Record<string, unknown>).warehouse_id !== "string"
  ) {
    throw invalid("sql_task.warehouse_id must be specified.");
  }
  const token = body.idempotency_token;
  if (
    token !== undefined &&
    (typeof token !== "string" || token.length === 0 || token.length > MAX_IDEMPOTENCY_TOKEN)
  ) {
    throw invalid(`idempotency_token must be a string of 1 to ${MAX_IDEMPOTENCY_TOKEN} characters.`);
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts a Databricks Jobs API 2.1 stand-in over real HTTP; resolves once it is listening.
 *
 * Runs go PENDING → RUNNING → their scripted end, one step per `runs/get` of that run.
 */
export async function startDatabricksEmulator(
  options: DatabricksEmulatorOptions,
): Promise<RunningDatabricksEmulator> {
  if (typeof options?.token !== "string" || options.token.length === 0) {
    throw new TypeError("startDatabricksEmulator: token is required (the bearer token clients must send)");
  }
  const { token, port = 0, host = DEFAULT_HOST, defaultOutcome = "success" } = options;
  if (!OUTCOMES.includes(defaultOutcome))
    throw new TypeError(`defaultOutcome must be one of ${OUTCOMES.join(", ")}`);
  const logger = options.logger ?? pino({ level: "silent" });
  const runs = new Map<number, Run>();
  const byToken = new Map<string, number>();
  const scripted: RunOutcome[] = [];
  const submissions: Array<{ body: Record<string, unknown>; runId: number; deduplicated: boolean }> = [];
  const hung = new Set<ServerResponse>();
  let hangWaiters: Array<(request: { method: string; path: string }) => void> = [];
  const dropHung = () => {
    for (const res of hung) res.destroy();
    hung.clear();
  };
  const faults = new FaultState(dropHung);
  let nextRunId = 1000;
  let nextJobId = 500;
  let url = "";

  const view = (run: Run): RunView => {
    const state = run.pinned ? run.pinned.state : currentState(run);
    return {
      job_id: run.job_id,
      run_id: run.run_id,
      number_in_job: run.run_id,
      creator_user_name: "emulator@example.com",
      run_name: run.run_name,
      run_type: "SUBMIT_RUN",
      run_page_url: `${url}/#job/${run.job_id}/run/${run.run_id}`,
      ...(state === null ? {} : { state }),
      start_time: run.start_time,
      ...(run.end_time === undefined ? {} : { end_time: run.end_time }),
      setup_duration: 0,
      execution_duration: 0,
      cleanup_duration: 0,
      ...(isObject(run.settings.new_cluster)
        ? { cluster_spec: { new_cluster: run.settings.new_cluster } }
        : {}),
      ...(typeof run.settings.existing_cluster_id === "string"
        ? { cluster_spec: { existing_cluster_id: run.settings.existing_cluster_id } }
        : {}),
    };
  };

  const find = (value: unknown): Run => {
    const id = runIdOf(value);
    const run = runs.get(id);
    if (!run) throw invalid(`Run ${id} does not exist.`);
    return run;
  };

  const submit = (body: Record<string, unknown>): { run_id: number } => {
    validateSubmit(body);
    const idem = body.idempotency_token as string | undefined;
    if (idem !== undefined && byToken.has(idem)) {
      const runId = byToken.get(idem)!;
      submissions.push({ body, runId, deduplicated: true });
      return { run_id: runId };
    }
    const asked = requestedOutcome(body);
    if (asked !== undefined && !OUTCOMES.includes(asked as RunOutcome)) {
      throw invalid(`emulator_result must be one of ${OUTCOMES.join(", ")}; got ${JSON.stringify(asked)}.`);
    }
    const outcome = (asked as RunOutcome | undefined) ?? scripted.shift() ?? defaultOutcome;
    const run: Run = {
      run_id: nextRunId++,
      job_id: nextJobId++,
      run_name: typeof body.run_name === "string" && body.run_name ? body.run_name : "Untitled",
      settings: body,
      ...(idem === undefined ? {} : { idempotency_token: idem }),
      outcome,
      states: plannedStates(outcome),
      step: 0,
      start_time: Date.now(),
    };
    runs.set(run.run_id, run);
    if (idem !== undefined) byToken.set(idem, run.run_id);
    submissions.push({ body, runId: run.run_id, deduplicated: false });
    logger.info({ runId: run.run_id, outcome }, "run submitted");
    return { run_id: run.run_id };
  };

  const list = (query: URLSearchParams) => {
    const activeOnly = query.get("active_only") === "true";
    const completedOnly = query.get("completed_only") === "true";
    if (activeOnly && completedOnly) throw invalid("active_only and completed_only cannot both be true.");
    const offset = Number(query.get("offset") ?? 0);
    const limit = Number(query.get("limit") ?? 20);
    if (!Number.isInteger(offset) || offset < 0) throw invalid("offset must be a non-negative integer.");
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw invalid(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}.`);
    }
    const all = [...runs.values()]
      .reverse()
      .filter((r) => (activeOnly ? !isFinished(r) : completedOnly ? isFinished(r) : true));
    const page = all.slice(offset, offset + limit);
    return { ...(page.length ? { runs: page.map(view) } : {}), has_more: offset + limit < all.length };
  };

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    const method = req.method ?? "GET";
    const need = (m: string) => {
      if (method !== m) throw new ApiError(405, "ENDPOINT_NOT_FOUND", `${path} takes ${m}, not ${method}`);
    };
    const json = async (): Promise<Record<string, unknown>> => {
      const text = await readBody(req);
      let body: unknown;
      try {
        body = text.trim() ? JSON.parse(text) : {};
      } catch {
        throw new ApiError(400, "MALFORMED_REQUEST", "Malformed JSON request body.");
      }
      if (!isObject(body))
        throw new ApiError(400, "MALFORMED_REQUEST", "The request body must be a JSON object.");
      return body;
    };
    switch (path) {
      case "runs/submit":
        need("POST");
        return send(res, 200, submit(await json()));
      case "runs/get": {
        need("GET");
        const run = find(query.get("run_id"));
        const answer = run.rawAnswer ? run.rawAnswer.body : view(run);
        advance(run, Date.now()); // one step per poll: the next runs/get sees the next state
        return send(res, 200, answer);
      }
      case "runs/get-output": {
        need("GET");
        const run = find(query.get("run_id"));
        return send(res, 200, { metadata: view(run), ...runOutput(run), logs_truncated: false });
      }
      case "runs/cancel": {
        need("POST");
        const run = find((await json()).run_id);
        cancel(run, Date.now());
        logger.info({ runId: run.run_id }, "run cancelled");
        return send(res, 200, {});
      }
      case "runs/list":
        need("GET");
        return send(res, 200, list(query));
      default:
        throw new ApiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} ${path}'`);
    }
  }

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const parsed = new URL(req.url ?? "/", "http://emulator");
    const prefix = API_PREFIXES.find((p) => parsed.pathname.startsWith(p));
    const path = prefix ? parsed.pathname.slice(prefix.length) : parsed.pathname;
    res.on("finish", () => {
      logger.info(
        {
          method: req.method,
          path: parsed.pathname,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "request",
      );
    });
    const fault = faults.take();
    if (fault?.kind === "hang") {
      hung.add(res);
      res.on("close", () => hung.delete(res));
      req.resume();
      logger.info({ method: req.method, path: parsed.pathname }, "request hung (fault)");
      const waiters = hangWaiters;
      hangWaiters = [];
      for (const resolve of waiters) resolve({ method: req.method ?? "GET", path: parsed.pathname });
      return;
    }
    if (fault?.kind === "unavailable") {
      req.resume();
      return send(res, 503, {
        error_code: "TEMPORARILY_UNAVAILABLE",
        message:
          "The service at /api/2.1/jobs is temporarily unavailable (injected by the emulator's faults).",
      });
    }
    if (fault?.kind === "rate-limited") {
      req.resume();
      return send(
        res,
        429,
        {
          error_code: "REQUEST_LIMIT_EXCEEDED",
          message: "Too many requests (injected by the emulator's faults).",
        },
        { "retry-after": String(fault.retryAfterSeconds) },
      );
    }
    const auth = req.headers.authorization;
    if (!auth || !/^Bearer\s+\S/i.test(auth)) {
      req.resume();
      return send(res, 401, {
        error_code: "UNAUTHENTICATED",
        message: "Credential was not sent or was of an unsupported type for this API.",
      });
    }
    if (auth.replace(/^Bearer\s+/i, "") !== token) {
      req.resume();
      return send(res, 403, { error_code: "PERMISSION_DENIED", message: "Invalid access token." });
    }
    if (!prefix) {
      req.resume();
      return send(res, 404, {
        error_code: "ENDPOINT_NOT_FOUND",
        message: `No API found for '${req.method} ${parsed.pathname}'`,
      });
    }
    route(req, res, path, parsed.searchParams).catch((error: unknown) => {
      if (res.headersSent) return;
      if (error instanceof ApiError)
        return send(res, error.status, { error_code: error.errorCode, message: error.message });
      logger.error({ err: error }, "request failed");
      send(res, 500, { error_code: "INTERNAL_ERROR", message: "internal error in the emulator" });
    });
  });

  const address = await listen(server, port, host);
  url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  logger.info({ url, port: address.port }, `Databricks emulator listening on ${url}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    faults,
    submissions,
    scriptNextRuns(outcome, count = 1) {
      if (!OUTCOMES.includes(outcome)) throw new TypeError(`outcome must be one of ${OUTCOMES.join(", ")}`);
      if (!(Number.isInteger(count) && count > 0))
        throw new RangeError(`count must be a positive integer, got ${count}`);
      for (let i = 0; i < count; i++) scripted.push(outcome);
    },
    run(runId) {
      const run = runs.get(Number(runId));
      return run && view(run);
    },
    runs: () => [...runs.values()].map(view),
    nextHang: () => new Promise((resolve) => hangWaiters.push(resolve)),
    get hungRequests() {
      return hung.size;
    },
    setRunState(runId, state) {
      const run = runs.get(Number(runId));
      if (!run) throw new RangeError(`no run ${runId}`);
      run.pinned = { state };
    },
    setRunAnswer(runId, body) {
      const run = runs.get(Number(runId));
      if (!run) throw new RangeError(`no run ${runId}`);
      run.rawAnswer = { body };
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        dropHung();
        server.close(() => resolve());
        server.closeAllConnections();
        logger.info("Databricks emulator stopped");
      });
      return closed;
    },
  };
}
