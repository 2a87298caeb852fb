import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DuckDBInstance, VARCHAR, type DuckDBConnection } from "@duckdb/node-api";
import pino, { type Logger } from "pino";
import { AuthError, Authenticator, type KeyPairUser, type Principal } from "./auth";
import { FaultState, type Faults } from "./faults";
import { applySeed, ensureSchema, type SeedData } from "./seed";
import {
  bindStatement,
  cellOf,
  quoteIdent,
  rowTypeOf,
  snowflakeErrorOf,
  SNOWFLAKE_MACROS,
  SnowflakeSqlError,
  type Binding,
  type RowType,
} from "./sql";

export const DEFAULT_HOST = "127.0.0.1";
export const STATEMENTS_PATH = "/api/v2/statements";
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface SnowflakeEmulatorOptions {
  /** Users who sign in with a key pair (their public keys). */
  users?: readonly KeyPairUser[];
  /** OAuth access tokens accepted with `X-Snowflake-Authorization-Token-Type: OAUTH`, and whom they stand for. */
  oauthTokens?: Record<string, { account: string; user: string }>;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** GETs of an async statement answered 202 before it runs and its result (or error) is answered. Default 1. */
  runningPolls?: number;
  /** Rows per result partition. Default 1000. */
  partitionRows?: number;
  /** Tables to create at start. */
  seed?: SeedData;
  /** A pino logger for request lines; default silent. Tokens are never logged. */
  logger?: Logger;
}

export type StatementStatus = "running" | "succeeded" | "failed" | "aborted";

/** What the emulator knows of a statement. */
export interface StatementView {
  handle: string;
  requestId: string | undefined;
  statement: string;
  bindings: Record<string, Binding> | undefined;
  database: string;
  schema: string;
  warehouse: string | undefined;
  role: string | undefined;
  principal: Principal;
  status: StatementStatus;
  /** GETs left before it runs. */
  pollsLeft: number;
  rowType?: RowType[];
  data?: Array<Array<string | null>>;
  error?: { code: string; sqlState: string; message: string };
}

export interface Submission {
  body: Record<string, unknown>;
  query: Record<string, string>;
  handle: string;
  deduplicated: boolean;
}

export interface RunningSnowflakeEmulator {
  /** `http://host:port`: what the connector takes as `SNOWFLAKE_API_URL`. */
  readonly url: string;
  readonly port: number;
  readonly faults: Faults;
  /** Every POST /api/v2/statements answered with a statement, oldest first. */
  readonly submissions: ReadonlyArray<Submission>;
  statement(handle: string): StatementView | undefined;
  statements(): StatementView[];
  /** The next `count` statements (default 1) stay running for `polls` GETs instead of `runningPolls`. */
  scriptNextStatements(polls: number, count?: number): void;
  /** Registers a key-pair user (as `ALTER USER ... SET RSA_PUBLIC_KEY`). */
  addUser(user: KeyPairUser): void;
  /** Runs SQL on the emulator's DuckDB directly (no auth, no statement record): for seeding and checks. */
  query(sql: string, database?: string, schema?: string): Promise<Array<Record<string, string | null>>>;
  /** Resolves when the emulator next holds a request under `faults.hang`. */
  nextHang(): Promise<{ method: string; path: string }>;
  readonly hungRequests: number;
  /** Stops the server and DuckDB; hung requests are dropped. Safe to call twice. */
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly sqlState?: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new ApiError(413, "391903", "The request body is too large."));
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
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
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

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A serial queue over one DuckDB connection: one statement (with its USE) at a time. */
class Database {
  #queue: Promise<unknown> = Promise.resolve();
  constructor(
    readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}
  run<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const result = this.#queue.then(() => work(this.conn));
    this.#queue = result.catch(() => undefined);
    return result;
  }
  async close(): Promise<void> {
    await this.#queue;
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** The column Snowflake names for a DML statement's count, by its first keyword. */
const DML_COLUMNS: Record<string, string> = {
  INSERT: "number of rows inserted",
  UPDATE: "number of rows updated",
  DELETE: "number of rows deleted",
};

/**
 * Starts a Snowflake SQL API v2 stand-in over real HTTP on an in-memory DuckDB; resolves once listening.
 *
 * An async statement (`?async=true`) answers 202 for `runningPolls` GETs, then runs on DuckDB at the
 * next GET and answers its result (200) or error (422): stepped per poll, never by the clock.
 */
export async function startSnowflakeEmulator(
  options: SnowflakeEmulatorOptions = {},
): Promise<RunningSnowflakeEmulator> {
  const { port = 0, host = DEFAULT_HOST, runningPolls = 1, partitionRows = 1000 } = options;
  if (!(Number.isInteger(runningPolls) && runningPolls >= 0))
    throw new RangeError("runningPolls must be a non-negative integer");
  if (!(Number.isInteger(partitionRows) && partitionRows > 0))
    throw new RangeError("partitionRows must be a positive integer");
  const logger = options.logger ?? pino({ level: "silent" });
  const auth = new Authenticator(options.users ?? [], options.oauthTokens ?? {});
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  for (const macro of SNOWFLAKE_MACROS) await conn.run(`CREATE OR REPLACE TEMP MACRO ${macro}`);
  const db = new Database(instance, conn);
  // Statements that name no database run in LOCAL.PUBLIC.
  await db.run((c) => ensureSchema(c, "LOCAL", "PUBLIC"));
  if (options.seed) await db.run((c) => applySeed(c, options.seed!));

  const statements = new Map<string, StatementView>();
  const byRequestId = new Map<string, string>();
  const submissions: Submission[] = [];
  const scripted: number[] = [];
  const hung = new Set<ServerResponse>();
  let hangWaiters: Array<(request: { method: string; path: string }) => void> = [];
  const dropHung = () => {
    for (const res of hung) res.destroy();
    hung.clear();
  };
  const faults = new FaultState(dropHung);
  let url = "";

  /** Runs the statement on DuckDB; records its result or error. */
  const execute = (s: StatementView) =>
    db.run(async (c) => {
      try {
        const exists = await c.runAndReadAll(
          "SELECT count(*) FROM duckdb_databases() WHERE database_name = $1",
          [s.database],
        );
        if (Number(exists.getRows()[0]![0]) === 0) {
          throw new SnowflakeSqlError(
            "002043",
            "02000",
            `SQL compilation error:\nDatabase '${s.database}' does not exist or not authorized.`,
          );
        }
        await ensureSchema(c, s.database, s.schema);
        await c.run(`USE ${quoteIdent(s.database)}.${quoteIdent(s.schema)}`);
        const bound = bindStatement(s.statement, s.bindings);
        const reader = await c.runAndReadAll(bound.sql, bound.values);
        const names = reader.columnNames();
        const types = reader.columnTypes();
        const verb = /^\s*(\w+)/.exec(s.statement)?.[1]?.toUpperCase() ?? "";
        if (names.length === 0) {
          s.rowType = [rowTypeOf("status", VARCHAR, s)];
          s.data = [["Statement executed successfully."]];
        } else {
          s.rowType = names.map((n, i) =>
            rowTypeOf(DML_COLUMNS[verb] && names.length === 1 ? DML_COLUMNS[verb]! : n, types[i]!, s),
          );
          s.data = reader.getRows().map((row) => row.map(cellOf));
        }
        s.status = "succeeded";
      } catch (error) {
        const e = snowflakeErrorOf(error);
        s.error = { code: e.code, sqlState: e.sqlState, message: e.message };
        s.status = "failed";
      }
    });

  const pending = (s: StatementView) => ({
    code: "333334",
    message:
      "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
    statementHandle: s.handle,
    statementStatusUrl: `${STATEMENTS_PATH}/${s.handle}`,
  });

  const answerOf = (s: StatementView, partition = 0): [number, unknown] => {
    if (s.status === "running") return [202, pending(s)];
    if (s.status === "aborted") {
      return [
        422,
        {
          code: "000604",
          sqlState: "57014",
          message: "SQL execution canceled",
          statementHandle: s.handle,
          statementStatusUrl: `${STATEMENTS_PATH}/${s.handle}`,
        },
      ];
    }
    if (s.status === "failed") {
      return [
        422,
        { ...s.error, statementHandle: s.handle, statementStatusUrl: `${STATEMENTS_PATH}/${s.handle}` },
      ];
    }
    const data = s.data ?? [];
    const partitions = [];
    for (let at = 0; at < Math.max(1, data.length); at += partitionRows) {
      const rows = data.slice(at, at + partitionRows);
      partitions.push({ rowCount: rows.length, uncompressedSize: Buffer.byteLength(JSON.stringify(rows)) });
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitions.length) {
      throw new ApiError(
        422,
        "391908",
        `Invalid partition ${partition}: the result has ${partitions.length}.`,
      );
    }
    const body: Record<string, unknown> = {
      ...(partition === 0
        ? {
            resultSetMetaData: {
              numRows: data.length,
              format: "jsonv2",
              partitionInfo: partitions,
              rowType: s.rowType ?? [],
            },
            code: "090001",
            statementStatusUrl: `${STATEMENTS_PATH}/${s.handle}?requestId=${s.requestId ?? ""}`,
            requestId: s.requestId,
            sqlState: "00000",
            statementHandle: s.handle,
            message: "Statement executed successfully.",
            createdOn: Date.now(),
          }
        : {}),
      data: data.slice(partition * partitionRows, (partition + 1) * partitionRows),
    };
    return [200, body];
  };

  const submit = async (
    req: IncomingMessage,
    query: URLSearchParams,
    principal: Principal,
  ): Promise<[number, unknown]> => {
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text.trim() ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(400, "391902", "Unable to parse the request body as JSON.");
    }
    if (!isObject(body)) throw new ApiError(400, "391902", "The request body must be a JSON object.");
    const requestId = query.get("requestId") ?? undefined;
    const retry = query.get("retry") === "true";
    const queryRecord = Object.fromEntries(query.entries());
    if (
      requestId !== undefined &&
      !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(requestId)
    ) {
      throw new ApiError(400, "391904", `Invalid requestId ${JSON.stringify(requestId)}: it must be a UUID.`);
    }
    if (requestId !== undefined && retry && byRequestId.has(requestId)) {
      const s = statements.get(byRequestId.get(requestId)!)!;
      submissions.push({ body, query: queryRecord, handle: s.handle, deduplicated: true });
      logger.info({ handle: s.handle, requestId }, "statement resubmitted (retry=true): not run again");
      return s.status === "running" ? [202, pending(s)] : answerOf(s);
    }
    if (typeof body.statement !== "string" || !body.statement.trim()) {
      throw new ApiError(400, "391902", "statement must be a non-empty string.");
    }
    if (body.bindings !== undefined && !isObject(body.bindings)) {
      throw new ApiError(400, "391902", "bindings must be an object keyed by position.");
    }
    const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
    const s: StatementView = {
      handle: randomUUID(),
      requestId,
      statement: body.statement,
      bindings: body.bindings as Record<string, Binding> | undefined,
      database: (str(body.database) ?? "LOCAL").toUpperCase(),
      schema: (str(body.schema) ?? "PUBLIC").toUpperCase(),
      warehouse: str(body.warehouse),
      role: str(body.role),
      principal,
      status: "running",
      pollsLeft: scripted.shift() ?? runningPolls,
    };
    statements.set(s.handle, s);
    if (requestId !== undefined) byRequestId.set(requestId, s.handle);
    submissions.push({ body, query: queryRecord, handle: s.handle, deduplicated: false });
    logger.info({ handle: s.handle, requestId, async: query.get("async") === "true" }, "statement submitted");
    if (query.get("async") === "true") return [202, pending(s)];
    // Synchronous: run now and answer the result.
    await execute(s);
    return answerOf(s);
  };

  const find = (handle: string): StatementView => {
    const s = statements.get(handle);
    if (!s) throw new ApiError(404, "333333", `Statement ${handle} not found.`);
    return s;
  };

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    principal: Principal,
  ) {
    const method = req.method ?? "GET";
    if (path === STATEMENTS_PATH || path === `${STATEMENTS_PATH}/`) {
      if (method !== "POST") throw new ApiError(405, "391901", `${path} takes POST`);
      const [status, body] = await submit(req, query, principal);
      return send(res, status, body);
    }
    const cancel = new RegExp(`^${STATEMENTS_PATH}/([^/]+)/cancel$`).exec(path);
    if (cancel) {
      if (method !== "POST") throw new ApiError(405, "391901", `${path} takes POST`);
      req.resume();
      const s = find(decodeURIComponent(cancel[1]!));
      if (s.status === "running") {
        s.status = "aborted";
        logger.info({ handle: s.handle }, "statement cancelled");
        return send(res, 200, {
          code: "000604",
          sqlState: "57014",
          message: "successfully canceled",
          statementHandle: s.handle,
          statementStatusUrl: `${STATEMENTS_PATH}/${s.handle}`,
        });
      }
      return send(res, 200, {
        code: "000000",
        sqlState: "00000",
        message: `Statement already ${s.status}; nothing to cancel.`,
        statementHandle: s.handle,
      });
    }
    const get = new RegExp(`^${STATEMENTS_PATH}/([^/]+)$`).exec(path);
    if (get) {
      if (method !== "GET") throw new ApiError(405, "391901", `${path} takes GET`);
      const s = find(decodeURIComponent(get[1]!));
      if (s.status === "running") {
        if (s.pollsLeft > 0) {
          s.pollsLeft--; // one step per poll
          return send(res, 202, pending(s));
        }
        await execute(s);
      }
      const [status, body] = answerOf(s, Number(query.get("partition") ?? 0));
      return send(res, status, body);
    }
    throw new ApiError(404, "391900", `No API found for '${method} ${path}'`);
  }

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const parsed = new URL(req.url ?? "/", "http://emulator");
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
        code: "390400",
        message: "Service Unavailable (injected by the emulator's faults).",
      });
    }
    if (fault?.kind === "rate-limited") {
      req.resume();
      return send(
        res,
        429,
        { code: "390405", message: "Too many requests (injected by the emulator's faults)." },
        { "retry-after": String(fault.retryAfterSeconds) },
      );
    }
    auth
      .check(req.headers)
      .then(
        (principal) => route(req, res, parsed.pathname, parsed.searchParams, principal),
        (error: unknown) => {
          req.resume();
          if (error instanceof AuthError) return send(res, 401, { code: error.code, message: error.message });
          throw error;
        },
      )
      .catch((error: unknown) => {
        if (res.headersSent) return;
        if (error instanceof ApiError) {
          return send(res, error.status, {
            code: error.code,
            message: error.message,
            ...(error.sqlState ? { sqlState: error.sqlState } : {}),
          });
        }
        logger.error({ err: error }, "request failed");
        send(res, 500, { code: "000603", message: "internal error in the emulator" });
      });
  });

  const address = await listen(server, port, host);
  url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  logger.info({ url, port: address.port }, `Snowflake emulator listening on ${url}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    faults,
    submissions,
    statement: (handle) => statements.get(handle),
    statements: () => [...statements.values()],
    scriptNextStatements(polls, count = 1) {
      if (!(Number.isInteger(polls) && polls >= 0))
        throw new RangeError("polls must be a non-negative integer");
      for (let i = 0; i < count; i++) scripted.push(polls);
    },
    addUser: (user) => auth.addUser(user),
    query: (sql, database, schema) =>
      db.run(async (c) => {
        if (database)
          await c.run(
            `USE ${quoteIdent(database.toUpperCase())}.${quoteIdent((schema ?? "PUBLIC").toUpperCase())}`,
          );
        const reader = await c.runAndReadAll(sql);
        const names = reader.columnNames();
        return reader.getRows().map((row) => Object.fromEntries(row.map((v, i) => [names[i]!, cellOf(v)])));
      }),
    nextHang: () => new Promise((resolve) => hangWaiters.push(resolve)),
    get hungRequests() {
      return hung.size;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        dropHung();
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(async () => {
        await db.close();
        logger.info("Snowflake emulator stopped");
      });
      return closed;
    },
  };
}
