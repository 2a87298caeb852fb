/**
 * Query jobs: jobs.insert/get/list/cancel/delete, jobs.getQueryResults and the jobs.query fast path.
 *
 * A job goes PENDING → RUNNING → DONE over `jobDelayMs`; the statement runs at the end of that
 * window, so a job cancelled while PENDING or RUNNING never touches its tables. A SELECT writes its
 * rows to a destination table — the one configured, or an anonymous `anon...` table in the
 * project's hidden `_...` dataset, as BigQuery does — and results are read back from it.
 */
import { randomBytes } from "node:crypto";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Logger } from "pino";
import { DEFAULT_LOCATION, type Catalog } from "./catalog";
import { engineMessage, inTransaction, type Database } from "./database";
import { ApiError, duplicate, invalid, notFound, type ErrorProto } from "./errors";
import type { FaultState } from "./faults";
import { intParam, pageStart, pageToken } from "./paging";
import type { TableFieldSchema } from "./sql/bq-types";
import { datasetLabel, qualifiedTable, tableLabel, type TableRef } from "./sql/naming";
import type { QueryParameter } from "./sql/parameters";
import { SqlError } from "./sql/sql-error";
import { translate, type Translation } from "./sql/translator";
import { columnCodec } from "./wire";

type JobState = "PENDING" | "RUNNING" | "DONE";
type Json = Record<string, unknown>;

interface JobRecord {
  projectId: string;
  jobId: string;
  location: string;
  configuration: Json;
  state: JobState;
  creationTime: number;
  startTime?: number;
  endTime?: number;
  errorResult?: ErrorProto;
  translation?: Translation;
  /** Where a SELECT's rows go. */
  destination?: TableRef;
  writeDisposition?: string;
  createDisposition?: string;
  numDmlAffectedRows?: number;
  ddlOperation?: string;
  schema?: TableFieldSchema[];
  totalRows?: number;
  timers: NodeJS.Timeout[];
  executing: boolean;
  done: Promise<void>;
  markDone: () => void;
}

export interface JobManagerOptions {
  jobDelayMs: number;
  logger: Logger;
  /** The emulator's URL, for selfLinks. */
  baseUrl: () => string;
  /** Injected job failures; none when absent. */
  faults?: FaultState;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,1024}$/;
/** Longest a request waits for a job, like BigQuery's default `timeoutMs`. */
const MAX_WAIT_MS = 10_000;
/** Rows per results page when the caller sets no maxResults. */
const DEFAULT_PAGE_ROWS = 100_000;
/** Anonymous result tables kept; older ones are dropped (BigQuery keeps them about a day). */
const MAX_RESULT_TABLES = 1000;
const CANCELLED = "Job execution was cancelled: User requested cancellation";

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof SqlError)
    return new ApiError(error.reason, error.message, error.reason === "invalidQuery" ? "query" : undefined);
  return new ApiError("invalidQuery", engineMessage(error), "query");
}

export class JobManager {
  readonly #jobs = new Map<string, JobRecord>();
  readonly #requestIds = new Map<string, string>();
  readonly #resultTables: TableRef[] = [];
  #closed = false;

  constructor(
    private readonly db: Database,
    private readonly catalog: Catalog,
    private readonly options: JobManagerOptions,
  ) {}

  // ---- jobs.insert --------------------------------------------------------------------------

  async insert(projectId: string, body: unknown): Promise<Json> {
    const created = await this.create(projectId, body);
    return "dryRun" in created ? created.dryRun : this.resource(created);
  }

  /** Creates and schedules a job; a dry run answers at once without storing anything. */
  private async create(projectId: string, body: unknown): Promise<JobRecord | { dryRun: Json }> {
    if (!isObject(body)) throw invalid("The job must be a JSON object");
    const configuration = body.configuration;
    if (!isObject(configuration)) throw invalid("Required parameter is missing: configuration");
    const query = configuration.query;
    if (!isObject(query)) {
      const kind = ["load", "extract", "copy"].find((k) => k in configuration);
      throw invalid(
        kind
          ? `The emulator runs query jobs only, not ${kind} jobs`
          : "Required parameter is missing: configuration.query",
      );
    }
    if (typeof query.query !== "string" || query.query.trim() === "")
      throw invalid("Required parameter is missing: query");
    const reference = isObject(body.jobReference) ? body.jobReference : {};
    const jobId =
      typeof reference.jobId === "string" && reference.jobId
        ? reference.jobId
        : `job_${randomBytes(18).toString("base64url")}`;
    if (!JOB_ID.test(jobId)) {
      throw invalid(
        `Invalid job ID "${jobId}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`,
      );
    }
    const existing = this.#jobs.get(`${projectId}:${jobId}`);
    if (existing) throw duplicate(`Already Exists: Job ${projectId}:${existing.location}.${jobId}`);

    const defaultDataset =
      isObject(query.defaultDataset) && typeof query.defaultDataset.datasetId === "string"
        ? {
            datasetId: query.defaultDataset.datasetId,
            ...(typeof query.defaultDataset.projectId === "string"
              ? { projectId: query.defaultDataset.projectId }
              : {}),
          }
        : undefined;
    let translation: Translation | undefined;
    let failure: ApiError | undefined;
    try {
      if (query.useLegacySql === true)
        throw new SqlError("Legacy SQL is not supported by the BigQuery emulator; set useLegacySql to false");
      translation = translate(query.query, {
        projectId,
        ...(defaultDataset ? { defaultDataset } : {}),
        ...(Array.isArray(query.queryParameters)
          ? { queryParameters: query.queryParameters as QueryParameter[] }
          : {}),
        ...(typeof query.parameterMode === "string" ? { parameterMode: query.parameterMode } : {}),
      });
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      failure = toApiError(error);
    }

    const location =
      typeof reference.location === "string" && reference.location
        ? reference.location
        : this.locationOf(translation);
    const queryConfig: Json = {
      ...query,
      useLegacySql: query.useLegacySql ?? false,
      priority: query.priority ?? "INTERACTIVE",
    };
    const record: JobRecord = {
      projectId,
      jobId,
      location,
      configuration: { ...configuration, query: queryConfig, jobType: "QUERY" },
      state: "PENDING",
      creationTime: Date.now(),
      timers: [],
      executing: false,
      done: Promise.resolve(),
      markDone: () => undefined,
    };
    record.done = new Promise<void>((resolve) => (record.markDone = resolve));
    if (translation) record.translation = translation;

    if (translation && !failure) {
      const destination = isObject(query.destinationTable) ? query.destinationTable : undefined;
      if (translation.statementType === "SELECT") {
        record.createDisposition =
          typeof query.createDisposition === "string" ? query.createDisposition : "CREATE_IF_NEEDED";
        if (destination) {
          if (typeof destination.datasetId !== "string" || typeof destination.tableId !== "string") {
            throw invalid("destinationTable needs datasetId and tableId");
          }
          record.destination = {
            projectId: typeof destination.projectId === "string" ? destination.projectId : projectId,
            datasetId: destination.datasetId,
            tableId: destination.tableId,
          };
          record.writeDisposition =
            typeof query.writeDisposition === "string" ? query.writeDisposition : "WRITE_EMPTY";
        } else if (configuration.dryRun !== true) {
          const hidden = await this.db.run((conn) => this.catalog.hiddenDataset(conn, projectId, location));
          record.destination = { ...hidden, tableId: `anon${randomBytes(20).toString("hex")}` };
          record.writeDisposition = "WRITE_TRUNCATE";
        }
        if (record.destination) queryConfig.destinationTable = { ...record.destination };
        if (record.writeDisposition) queryConfig.writeDisposition = record.writeDisposition;
        queryConfig.createDisposition = record.createDisposition;
      } else if (destination) {
        failure = invalid(
          `Cannot set destination table in jobs with ${translation.statementType} statements`,
        );
      }
    }

    if (configuration.dryRun === true) return { dryRun: await this.dryRun(record, failure) };

    this.#jobs.set(`${projectId}:${jobId}`, record);
    this.options.logger.debug({ jobId, projectId, statementType: translation?.statementType }, "job created");
    if (failure) {
      // BigQuery rejects a query it cannot parse as soon as the job is created.
      this.finish(record, failure);
      return record;
    }
    const wait = this.options.jobDelayMs;
    if (wait <= 0) {
      await this.execute(record);
      return record;
    }
    record.timers.push(
      setTimeout(
        () => {
          if (record.state === "PENDING") {
            record.state = "RUNNING";
            record.startTime = Date.now();
          }
        },
        Math.floor(wait / 4),
      ),
      setTimeout(() => void this.execute(record), wait),
    );
    return record;
  }

  private locationOf(translation: Translation | undefined): string {
    const refs = [...(translation?.reads ?? []), ...(translation?.target ? [translation.target] : [])];
    for (const ref of refs) {
      const dataset = this.catalog.getDataset(ref);
      if (dataset) return dataset.location;
    }
    return DEFAULT_LOCATION;
  }

  private async dryRun(record: JobRecord, failure: ApiError | undefined): Promise<Json> {
    if (failure) throw failure;
    const translation = record.translation!;
    const schema = await this.db.run(async (conn) => {
      await this.catalog.requireTables(conn, translation.reads);
      if (translation.statementType !== "SELECT") return undefined;
      try {
        const prepared = await conn.prepare(translation.sql);
        const fields = Array.from(
          { length: prepared.columnCount },
          (_, k) => columnCodec(prepared.columnName(k), prepared.columnType(k)).field,
        );
        prepared.destroySync();
        return fields;
      } catch (error) {
        throw new ApiError("invalidQuery", engineMessage(error), "query");
      }
    });
    record.state = "DONE";
    const resource = this.resource(record);
    const statistics = resource.statistics as Json;
    statistics.query = { ...(statistics.query as Json), ...(schema ? { schema: { fields: schema } } : {}) };
    return resource;
  }

  // ---- execution ----------------------------------------------------------------------------

  private async execute(record: JobRecord): Promise<void> {
    if (record.state === "DONE" || this.#closed) return;
    record.state = "RUNNING";
    record.startTime ??= Date.now();
    const injected = this.options.faults?.takeJobFailure();
    if (injected) {
      this.finish(record, injected);
      return;
    }
    record.executing = true;
    let failure: ApiError | undefined;
    try {
      await this.db.run((conn) => this.runStatement(conn, record));
    } catch (error) {
      failure = toApiError(error);
      if (!(error instanceof ApiError) && !(error instanceof SqlError)) {
        this.options.logger.debug({ jobId: record.jobId, err: error }, "query failed in the engine");
      }
    } finally {
      record.executing = false;
    }
    this.finish(record, failure);
  }

  private finish(record: JobRecord, failure?: ApiError | ErrorProto): void {
    for (const t of record.timers) clearTimeout(t);
    record.timers = [];
    if (failure) record.errorResult = failure instanceof ApiError ? failure.toErrorProto() : failure;
    record.startTime ??= Date.now();
    record.endTime = Date.now();
    record.state = "DONE";
    record.markDone();
    this.options.logger.debug({ jobId: record.jobId, error: record.errorResult?.message }, "job done");
  }

  private async runStatement(conn: DuckDBConnection, record: JobRecord): Promise<void> {
    const t = record.translation!;
    await this.catalog.requireTables(conn, t.reads);
    const target = t.target;
    switch (t.statementType) {
      case "SELECT":
        return this.runSelect(conn, record);
      case "INSERT":
      case "UPDATE":
      case "DELETE":
      case "MERGE": {
        await this.catalog.requireTables(conn, [target!]);
        const result = await this.engine(() => conn.run(t.sql));
        record.numDmlAffectedRows = result.rowsChanged;
        this.catalog.tableModified(target!);
        return;
      }
      case "TRUNCATE_TABLE":
      case "ALTER_TABLE": {
        if (!(t.statementType === "ALTER_TABLE" && t.ifExists))
          await this.catalog.requireTables(conn, [target!]);
        await this.engine(() => conn.run(t.sql));
        if (await this.catalog.tableKind(conn, target!)) this.catalog.tableModified(target!);
        record.ddlOperation = "ALTER";
        return;
      }
      case "CREATE_TABLE":
      case "CREATE_TABLE_AS_SELECT":
      case "CREATE_VIEW": {
        this.catalog.requireDataset(target!);
        const exists = await this.catalog.tableKind(conn, target!);
        if (exists && !t.orReplace && !t.ifNotExists)
          throw duplicate(`Already Exists: Table ${tableLabel(target!)}`);
        if (exists && t.ifNotExists) {
          record.ddlOperation = "SKIP";
          return;
        }
        await this.engine(() => conn.run(t.sql));
        this.catalog.tableCreated(target!);
        record.ddlOperation = exists ? "REPLACE" : "CREATE";
        return;
      }
      case "DROP_TABLE":
      case "DROP_VIEW": {
        const exists = this.catalog.getDataset(target!)
          ? await this.catalog.tableKind(conn, target!)
          : undefined;
        if (!exists) {
          if (t.ifExists) {
            record.ddlOperation = "SKIP";
            return;
          }
          throw notFound(`Not found: Table ${tableLabel(target!)}`);
        }
        await this.engine(() => conn.run(t.sql));
        this.catalog.tableDropped(target!);
        record.ddlOperation = "DROP";
        return;
      }
      case "CREATE_SCHEMA": {
        const ref = t.dataset!;
        if (this.catalog.getDataset(ref)) {
          if (t.ifNotExists) {
            record.ddlOperation = "SKIP";
            return;
          }
          throw duplicate(`Already Exists: Dataset ${datasetLabel(ref)}`);
        }
        await this.catalog.createDatasetWith(conn, ref, { location: record.location });
        record.ddlOperation = "CREATE";
        return;
      }
      case "DROP_SCHEMA": {
        const ref = t.dataset!;
        if (!this.catalog.getDataset(ref)) {
          if (t.ifExists) {
            record.ddlOperation = "SKIP";
            return;
          }
          throw notFound(`Not found: Dataset ${datasetLabel(ref)}`);
        }
        try {
          await this.catalog.deleteDatasetWith(conn, ref, t.cascade);
        } catch (error) {
          if (error instanceof ApiError && error.reason === "resourceInUse") {
            throw new ApiError(
              "invalidQuery",
              `Cannot drop schema ${datasetLabel(ref)} because it is not empty; use DROP SCHEMA ... CASCADE`,
              "query",
            );
          }
          throw error;
        }
        record.ddlOperation = "DROP";
        return;
      }
    }
  }

  /** Runs a DuckDB call, reporting its failure as the query's error. */
  private async engine<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError("invalidQuery", engineMessage(error), "query");
    }
  }

  private async runSelect(conn: DuckDBConnection, record: JobRecord): Promise<void> {
    const sql = record.translation!.sql;
    const names = await this.engine(async () => {
      const prepared = await conn.prepare(sql);
      try {
        return Array.from({ length: prepared.columnCount }, (_, k) => prepared.columnName(k));
      } finally {
        prepared.destroySync();
      }
    });
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const n of names) {
      if (seen.has(n.toLowerCase())) duplicates.add(n);
      seen.add(n.toLowerCase());
    }
    if (duplicates.size) {
      throw new ApiError(
        "invalidQuery",
        `Duplicate column names in the result are not supported. Found duplicate(s): ${[...duplicates].join(", ")}`,
        "query",
      );
    }
    const dest = record.destination!;
    const dataset = this.catalog.getDataset(dest);
    if (!dataset) throw notFound(`Not found: Dataset ${datasetLabel(dest)}`);
    const exists = await this.catalog.tableKind(conn, dest);
    if (exists === "VIEW") throw invalid(`Cannot write query results to view ${tableLabel(dest)}`);
    if (!exists && record.createDisposition === "CREATE_NEVER")
      throw notFound(`Not found: Table ${tableLabel(dest)}`);
    const table = qualifiedTable(dest);
    await inTransaction(conn, async () => {
      if (!exists) {
        await this.engine(() => conn.run(`CREATE TABLE ${table} AS ${sql}`));
        this.catalog.tableCreated(dest);
        if (dest.datasetId.startsWith("_") && dest.tableId.startsWith("anon")) this.#resultTables.push(dest);
        return;
      }
      if (record.writeDisposition === "WRITE_TRUNCATE") {
        await this.engine(() => conn.run(`CREATE OR REPLACE TABLE ${table} AS ${sql}`));
      } else if (record.writeDisposition === "WRITE_APPEND" || record.writeDisposition === "WRITE_EMPTY") {
        if (record.writeDisposition === "WRITE_EMPTY") {
          const count = await conn.runAndReadAll(`SELECT count(*) FROM ${table}`);
          if (Number(count.getRows()[0]![0]) > 0)
            throw duplicate(`Already Exists: Table ${tableLabel(dest)}`);
        }
        await this.engine(() => conn.run(`INSERT INTO ${table} BY NAME ${sql}`));
      } else {
        throw invalid(`Invalid writeDisposition ${record.writeDisposition}`);
      }
      this.catalog.tableModified(dest);
    });
    const info = await this.catalog.describeWith(conn, dest);
    record.schema = info.fields;
    record.totalRows = info.numRows;
    while (this.#resultTables.length > MAX_RESULT_TABLES) {
      const old = this.#resultTables.shift()!;
      await conn.run(`DROP TABLE IF EXISTS ${qualifiedTable(old)}`);
      this.catalog.tableDropped(old);
    }
  }

  // ---- reading jobs -------------------------------------------------------------------------

  private find(projectId: string, jobId: string, location?: string | null): JobRecord {
    const record = this.#jobs.get(`${projectId}:${jobId}`);
    if (!record) throw notFound(`Not found: Job ${projectId}:${location || DEFAULT_LOCATION}.${jobId}`);
    return record;
  }

  get(projectId: string, jobId: string, location?: string | null): Json {
    return this.resource(this.find(projectId, jobId, location));
  }

  list(projectId: string, params: URLSearchParams): Json {
    const states = params
      .getAll("stateFilter")
      .flatMap((s) => s.split(","))
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean);
    const minimal = params.get("projection")?.toLowerCase() === "minimal";
    const all = [...this.#jobs.values()]
      .filter((j) => j.projectId === projectId && (states.length === 0 || states.includes(j.state)))
      .sort((a, b) => b.creationTime - a.creationTime);
    const start = pageStart(params);
    const max = intParam(params.get("maxResults"), "maxResults", 1000);
    const page = all.slice(start, start + max).map((j) => {
      const r = this.resource(j);
      const item: Json = { ...r, state: j.state };
      delete item.selfLink;
      delete item.etag;
      if (minimal) delete item.configuration;
      return item;
    });
    return {
      kind: "bigquery#jobList",
      etag: randomBytes(8).toString("base64"),
      jobs: page,
      ...(start + max < all.length ? { nextPageToken: pageToken(start + max) } : {}),
    };
  }

  cancel(projectId: string, jobId: string, location?: string | null): Json {
    const record = this.find(projectId, jobId, location);
    // A running statement is not interrupted; cancellation is best effort, as in BigQuery.
    if (record.state !== "DONE" && !record.executing) this.finish(record, new ApiError("stopped", CANCELLED));
    return { kind: "bigquery#jobCancelResponse", job: this.resource(record) };
  }

  delete(projectId: string, jobId: string, location?: string | null): void {
    const record = this.find(projectId, jobId, location);
    if (record.state !== "DONE")
      throw invalid(`Job ${projectId}:${record.location}.${jobId} is still running; cancel it first`);
    this.#jobs.delete(`${projectId}:${jobId}`);
  }

  private async waitFor(record: JobRecord, timeoutMs: number): Promise<void> {
    if (record.state === "DONE" || timeoutMs <= 0) return;
    const timer = delay(Math.min(timeoutMs, MAX_WAIT_MS));
    await Promise.race([record.done, timer.promise]);
    timer.cancel();
  }

  async getQueryResults(projectId: string, jobId: string, params: URLSearchParams): Promise<Json> {
    const record = this.find(projectId, jobId, params.get("location"));
    await this.waitFor(record, intParam(params.get("timeoutMs"), "timeoutMs", MAX_WAIT_MS));
    return this.results(record, "bigquery#getQueryResultsResponse", {
      start: pageStart(params),
      maxResults: intParam(params.get("maxResults"), "maxResults", DEFAULT_PAGE_ROWS),
      int64Timestamp: params.get("formatOptions.useInt64Timestamp") === "true",
    });
  }

  /** jobs.query: creates a job, waits for it (up to timeoutMs) and answers with the first page. */
  async query(projectId: string, body: unknown): Promise<Json> {
    if (!isObject(body)) throw invalid("The request must be a JSON object");
    if (typeof body.query !== "string") throw invalid("Required parameter is missing: query");
    const requestId = typeof body.requestId === "string" ? body.requestId : undefined;
    let record = requestId
      ? this.#jobs.get(`${projectId}:${this.#requestIds.get(requestId) ?? ""}`)
      : undefined;
    if (!record) {
      const query: Json = { query: body.query, useLegacySql: body.useLegacySql ?? false };
      for (const k of [
        "queryParameters",
        "parameterMode",
        "defaultDataset",
        "useQueryCache",
        "maximumBytesBilled",
        "connectionProperties",
      ]) {
        if (body[k] !== undefined) query[k] = body[k];
      }
      const created = await this.create(projectId, {
        jobReference: {
          projectId,
          ...(typeof body.location === "string" ? { location: body.location } : {}),
        },
        configuration: {
          query,
          ...(body.labels ? { labels: body.labels } : {}),
          ...(body.dryRun === true ? { dryRun: true } : {}),
        },
      });
      if ("dryRun" in created) {
        const dry = created.dryRun;
        const stats = dry.statistics as Json;
        return {
          kind: "bigquery#queryResponse",
          jobReference: dry.jobReference,
          jobComplete: true,
          totalBytesProcessed: "0",
          cacheHit: false,
          ...(isObject(stats.query) && stats.query.schema ? { schema: stats.query.schema } : {}),
        };
      }
      record = created;
      if (requestId) this.#requestIds.set(requestId, record.jobId);
    }
    const timeoutMs = typeof body.timeoutMs === "number" ? body.timeoutMs : MAX_WAIT_MS;
    await this.waitFor(record, timeoutMs);
    const formatOptions = isObject(body.formatOptions) ? body.formatOptions : {};
    return this.results(record, "bigquery#queryResponse", {
      start: 0,
      maxResults: typeof body.maxResults === "number" ? body.maxResults : DEFAULT_PAGE_ROWS,
      int64Timestamp: formatOptions.useInt64Timestamp === true,
    });
  }

  private async results(
    record: JobRecord,
    kind: string,
    page: { start: number; maxResults: number; int64Timestamp: boolean },
  ): Promise<Json> {
    const jobReference = { projectId: record.projectId, jobId: record.jobId, location: record.location };
    if (record.state !== "DONE")
      return { kind, etag: randomBytes(8).toString("base64"), jobReference, jobComplete: false };
    if (record.errorResult) {
      const e = record.errorResult;
      throw new ApiError(e.reason as ConstructorParameters<typeof ApiError>[0], e.message, e.location);
    }
    const base: Json = {
      kind,
      etag: randomBytes(8).toString("base64"),
      jobReference,
      jobComplete: true,
      totalBytesProcessed: "0",
      cacheHit: false,
    };
    const t = record.translation!;
    if (t.statementType !== "SELECT") {
      return {
        ...base,
        totalRows: "0",
        ...(record.numDmlAffectedRows !== undefined
          ? { numDmlAffectedRows: String(record.numDmlAffectedRows) }
          : {}),
      };
    }
    const read = await this.db.run((conn) =>
      this.catalog.readRowsWith(conn, record.destination!, {
        startIndex: page.start,
        maxResults: page.maxResults,
        encode: { int64Timestamp: page.int64Timestamp },
      }),
    );
    const next = page.start + read.rows.length;
    return {
      ...base,
      schema: { fields: read.fields },
      totalRows: String(read.totalRows),
      ...(read.rows.length ? { rows: read.rows } : {}),
      ...(next < read.totalRows ? { pageToken: pageToken(next) } : {}),
    };
  }

  // ---- resources ----------------------------------------------------------------------------

  private resource(record: JobRecord): Json {
    const { projectId, jobId, location } = record;
    const status: Json = { state: record.state };
    if (record.errorResult) {
      status.errorResult = record.errorResult;
      status.errors = [record.errorResult];
    }
    const statistics: Json = { creationTime: String(record.creationTime), totalBytesProcessed: "0" };
    if (record.startTime !== undefined) statistics.startTime = String(record.startTime);
    if (record.endTime !== undefined) statistics.endTime = String(record.endTime);
    const t = record.translation;
    const query: Json = {
      totalBytesProcessed: "0",
      totalBytesBilled: "0",
      totalSlotMs: "0",
      cacheHit: false,
    };
    if (t) query.statementType = t.statementType;
    if (record.state === "DONE" && !record.errorResult) {
      if (record.schema) query.schema = { fields: record.schema };
      if (record.numDmlAffectedRows !== undefined) {
        query.numDmlAffectedRows = String(record.numDmlAffectedRows);
        const n = String(record.numDmlAffectedRows);
        query.dmlStats =
          t?.statementType === "INSERT"
            ? { insertedRowCount: n }
            : t?.statementType === "DELETE"
              ? { deletedRowCount: n }
              : { updatedRowCount: n };
      }
      if (record.ddlOperation) {
        query.ddlOperationPerformed = record.ddlOperation;
        if (t?.target) query.ddlTargetTable = { ...t.target };
        if (t?.dataset) query.ddlTargetDataset = { ...t.dataset };
      }
    }
    statistics.query = query;
    return {
      kind: "bigquery#job",
      etag: randomBytes(8).toString("base64"),
      id: `${projectId}:${location}.${jobId}`,
      selfLink: `${this.options.baseUrl()}/bigquery/v2/projects/${encodeURIComponent(projectId)}/jobs/${encodeURIComponent(jobId)}?location=${encodeURIComponent(location)}`,
      user_email: "emulator@localhost",
      principal_subject: "user:emulator@localhost",
      jobReference: { projectId, jobId, location },
      configuration: record.configuration,
      status,
      statistics,
    };
  }

  /** Projects that ran jobs, for projects.list. */
  projects(): string[] {
    return [...new Set([...this.#jobs.values()].map((j) => j.projectId))];
  }

  /** Stops timers and releases requests waiting on jobs. */
  close(): void {
    this.#closed = true;
    for (const record of this.#jobs.values()) {
      for (const t of record.timers) clearTimeout(t);
      record.timers = [];
      record.markDone();
    }
  }
}
