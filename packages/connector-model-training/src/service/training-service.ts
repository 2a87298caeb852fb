/**
 * The reference model-training service: an HTTP server (node:http, no framework) that speaks the
 * training contract in `wire.ts` over in-memory jobs, with knobs to inject failures for tests.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pino, { type Logger } from "pino";
import { parseServiceSettings } from "./options";
import { TrainingJobs, type JobSnapshot } from "./training-jobs";
import { createJobRequestSchema, type ErrorResponse } from "./wire";

export interface TrainingServiceOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Path the jobs are mounted at; default `/train`. */
  basePath?: string;
  /** Time each epoch takes; default 1000 ms. */
  epochMs?: number;
  /** Time a job stays queued before it runs; default 250 ms. */
  queueMs?: number;
  /** Fraction (0..1) of new jobs that end failed; default 0. */
  failRate?: number;
  /** When set, every job request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Where finished jobs write their model files; default a fresh temporary folder, removed on close. */
  modelsDir?: string;
  /** Log lines per page of `GET .../logs`; default 50. */
  logPageSize?: number;
  /** Default: a silent logger, so tests stay quiet. */
  logger?: Logger;
}

/** Requests received under the endpoint (everything but `/healthz`), rejected ones included. */
export interface RequestCounts {
  readonly GET: number;
  readonly POST: number;
  readonly DELETE: number;
  /** Any other method. */
  readonly other: number;
  readonly total: number;
}

export interface TrainingService {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  /** `url` + base path, e.g. `http://127.0.0.1:41234/train`: what a task's `custom.endpoint` holds. */
  readonly endpoint: string;
  readonly port: number;
  readonly modelsDir: string;
  /** A fresh snapshot on every read. */
  readonly requests: RequestCounts;
  /** A read-only snapshot of every job, oldest first. */
  jobs(): readonly JobSnapshot[];
  /**
   * Answer 503 to the next `count` requests (a burst), or to every request while `true`. `false` or 0
   * turns it off. `/healthz` is never affected, so readiness probes don't use up a burst.
   */
  unavailable(count: number | boolean): void;
  /** Stops the jobs' timers and the server. Safe to call more than once. */
  close(): Promise<void>;
}

/** Larger bodies get 413; a real request is well under 1 KiB. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Keep-alive connections still open this long after close() are cut. */
const CLOSE_GRACE_MS = 2000;

type Route = { kind: "jobs" } | { kind: "job"; id: string } | { kind: "logs"; id: string };

export async function startTrainingService(options: TrainingServiceOptions = {}): Promise<TrainingService> {
  const { logger: givenLogger, ...rest } = options;
  const settings = parseServiceSettings(rest);
  const logger = givenLogger ?? pino({ level: "silent" });

  const ownsModelsDir = settings.modelsDir === undefined;
  const modelsDir = settings.modelsDir
    ? path.resolve(settings.modelsDir)
    : await mkdtemp(path.join(tmpdir(), "model-training-"));
  await mkdir(modelsDir, { recursive: true });

  const jobs = new TrainingJobs({
    epochMs: settings.epochMs,
    queueMs: settings.queueMs,
    failRate: settings.failRate,
    logPageSize: settings.logPageSize,
    modelsDir,
    logger,
  });
  const counts = { GET: 0, POST: 0, DELETE: 0, other: 0, total: 0 };
  let unavailableRemaining = 0;
  // Hash both sides so the comparison is constant-time whatever the lengths.
  const expectedKeyDigest = settings.apiKey === undefined ? undefined : sha256(settings.apiKey);
  const basePath = settings.basePath;

  function routeOf(pathname: string): Route | undefined {
    let rest: string;
    if (pathname === basePath || pathname === `${basePath}/`) return { kind: "jobs" };
    if (pathname.startsWith(`${basePath}/`)) rest = pathname.slice(basePath.length + 1);
    else return undefined;
    const segments = rest.split("/");
    if (segments.length > 2 || segments[0] === "") return undefined;
    let id: string;
    try {
      id = decodeURIComponent(segments[0]!);
    } catch {
      return undefined;
    }
    if (segments.length === 1) return { kind: "job", id };
    return segments[1] === "logs" ? { kind: "logs", id } : undefined;
  }

  function isAuthorized(req: IncomingMessage): boolean {
    if (expectedKeyDigest === undefined) return true;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    return match !== null && timingSafeEqual(sha256(match[1]!), expectedKeyDigest);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    if (url.pathname === "/healthz") {
      if (method !== "GET" && method !== "HEAD") return sendMethodNotAllowed(res, "GET, HEAD");
      return send(res, 200, { status: "ok" });
    }

    if (method === "GET" || method === "POST" || method === "DELETE") counts[method] += 1;
    else counts.other += 1;
    counts.total += 1;

    if (unavailableRemaining > 0) {
      unavailableRemaining -= 1;
      return send(res, 503, { error: "service unavailable (injected)" }, { "Retry-After": "1" });
    }
    const simulated = req.headers["x-simulate-status"];
    if (simulated !== undefined) {
      const status = Number(simulated);
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        return sendError(res, 400, "X-Simulate-Status must be an HTTP error status from 400 to 599");
      }
      const headers: Record<string, string> = status === 503 ? { "Retry-After": "1" } : {};
      return send(res, status, { error: `simulated status ${status} (X-Simulate-Status)` }, headers);
    }
    if (!isAuthorized(req)) {
      return send(res, 401, { error: "missing or invalid bearer token" }, { "WWW-Authenticate": "Bearer" });
    }

    const route = routeOf(url.pathname);
    if (!route) return sendError(res, 404, "not found");
    switch (route.kind) {
      case "jobs":
        if (method !== "POST") return sendMethodNotAllowed(res, "POST");
        return createJob(req, res);
      case "job":
        if (method === "GET") {
          const view = jobs.view(route.id);
          return view ? send(res, 200, view) : sendError(res, 404, "job not found");
        }
        if (method === "DELETE") {
          const outcome = jobs.cancel(route.id);
          if (outcome.kind === "not-found") return sendError(res, 404, "job not found");
          if (outcome.kind === "already-final") return sendError(res, 409, "job already finished");
          return send(res, 200, outcome.job);
        }
        return sendMethodNotAllowed(res, "GET, DELETE");
      case "logs": {
        if (method !== "GET") return sendMethodNotAllowed(res, "GET");
        const outcome = jobs.logs(route.id, url.searchParams.get("token") ?? "");
        if (outcome.kind === "not-found") return sendError(res, 404, "job not found");
        if (outcome.kind === "bad-token")
          return sendError(res, 400, "token is not a token this job's logs returned");
        return send(res, 200, outcome.page);
      }
    }
  }

  async function createJob(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawKey = req.headers["idempotency-key"];
    const idempotencyKey = Array.isArray(rawKey) ? rawKey[0] : rawKey;
    if (
      idempotencyKey !== undefined &&
      (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)
    ) {
      return sendError(res, 400, `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const body = await readBody(req);
    if (body === undefined) return sendError(res, 413, `request body is larger than ${MAX_BODY_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return sendError(res, 400, "request body is not valid JSON");
    }
    const parsed = createJobRequestSchema.safeParse(json);
    if (!parsed.success)
      return sendError(res, 400, parsed.error.issues.map((issue) => issue.message).join("; "));

    const failHeader = /^(1|true|yes)$/i.test(String(req.headers["x-fail-job"] ?? "").trim());
    const outcome = jobs.create(parsed.data, idempotencyKey, failHeader);
    if (outcome.kind === "key-conflict") {
      return sendError(res, 422, "Idempotency-Key was already used with a different request body");
    }
    const status = outcome.kind === "created" ? 201 : 200;
    return send(
      res,
      status,
      { job_id: outcome.job.job_id },
      { Location: `${basePath}/${outcome.job.job_id}` },
    );
  }

  const server = createServer((req, res) => {
    const startedAt = performance.now();
    const url = new URL(req.url ?? "/", "http://service.invalid");
    // Method, path and status only: headers may carry the bearer token.
    res.on("finish", () =>
      logger.debug(
        {
          method: req.method,
          path: url.pathname,
          status: res.statusCode,
          ms: Math.round(performance.now() - startedAt),
        },
        "request",
      ),
    );
    handle(req, res, url).catch((error: unknown) => {
      logger.error({ err: error, method: req.method, path: url.pathname }, "request failed");
      if (!res.headersSent) sendError(res, 500, "internal error");
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(settings.host)}:${port}`;
  const endpoint = `${url}${basePath}`;
  logger.info(
    {
      url,
      endpoint,
      modelsDir,
      epochMs: settings.epochMs,
      queueMs: settings.queueMs,
      failRate: settings.failRate,
      auth: expectedKeyDigest !== undefined,
    },
    `model-training service listening on ${endpoint}`,
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    endpoint,
    port,
    modelsDir,
    get requests(): RequestCounts {
      return Object.freeze({ ...counts });
    },
    jobs: () => jobs.snapshot(),
    unavailable(count: number | boolean): void {
      if (typeof count === "boolean") unavailableRemaining = count ? Infinity : 0;
      else if (Number.isInteger(count) && count >= 0) unavailableRemaining = count;
      else throw new RangeError(`unavailable() takes a boolean or a non-negative integer, got ${count}`);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        jobs.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
        });
        if (ownsModelsDir) await rm(modelsDir, { recursive: true, force: true });
        logger.info("model-training service stopped");
      })();
      return closing;
    },
  };
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const body: ErrorResponse = { error: message };
  send(res, status, body);
}

function sendMethodNotAllowed(res: ServerResponse, allow: string): void {
  send(res, 405, { error: `method not allowed; use ${allow}` }, { Allow: allow });
}

/**
 * The whole body, or undefined when it is larger than MAX_BODY_BYTES. The rest of an oversized body is
 * read and dropped rather than left unread, so the client gets the 413 instead of a reset connection.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once("end", () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
    req.once("error", reject);
  });
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** A host to put in a URL: wildcard addresses become loopback so the URL is usable from this machine. */
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
