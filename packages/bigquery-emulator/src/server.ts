/**
 * The REST routes, on node:http. Every path is served both under `/bigquery/v2` (what the client
 * calls with `apiEndpoint`) and without it (what it calls with `BIGQUERY_EMULATOR_HOST`).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import type { Logger } from "pino";
import type { Catalog, DatasetMeta, TableInfo } from "./catalog";
import { ApiError, invalid, notFound } from "./errors";
import { unavailableBody, type FaultState } from "./faults";
import type { JobManager } from "./jobs";
import { intParam, pageStart, pageToken } from "./paging";
import type { TableRef } from "./sql/naming";
import { SqlError } from "./sql/sql-error";

export interface ServerContext {
  catalog: Catalog;
  jobs: JobManager;
  logger: Logger;
  defaultProject: string;
  baseUrl: () => string;
  /** Injected trouble; none when absent. */
  faults?: FaultState;
}

type Json = Record<string, unknown>;
type Reply = { status: number; body?: unknown };

const API_PREFIX = "/bigquery/v2";
const MAX_BODY_BYTES = 100 * 1024 * 1024;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function etag(value: unknown): string {
  return createHash("md5").update(JSON.stringify(value)).digest("base64");
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalid("Request body is too large");
    chunks.push(chunk as Buffer);
  }
  let raw = Buffer.concat(chunks);
  if ((req.headers["content-encoding"] ?? "").includes("gzip")) {
    try {
      raw = gunzipSync(raw);
    } catch {
      throw invalid("Invalid gzip request body");
    }
  }
  const text = raw.toString("utf8").trim();
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(`Invalid JSON payload received. ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function createRequestHandler(
  ctx: ServerContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = Date.now();
    const reply: Promise<Reply> = ctx.faults?.takeUnavailable()
      ? Promise.resolve({ status: 503, body: unavailableBody() })
      : handle(ctx, req);
    reply
      .catch((error: unknown): Reply => {
        if (error instanceof ApiError) return { status: error.code, body: error.toJSON() };
        if (error instanceof SqlError) {
          const e = new ApiError(error.reason, error.message);
          return { status: e.code, body: e.toJSON() };
        }
        ctx.logger.error({ err: error, method: req.method, url: req.url }, "request failed");
        const e = new ApiError(
          "internalError",
          `Internal error: ${error instanceof Error ? error.message : String(error)}`,
        );
        return { status: e.code, body: e.toJSON() };
      })
      .then((reply) => {
        ctx.logger.debug(
          { method: req.method, url: req.url, status: reply.status, ms: Date.now() - started },
          "request",
        );
        if (res.headersSent || res.destroyed) return;
        if (reply.body === undefined) {
          res.writeHead(reply.status).end();
          return;
        }
        const payload = JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          "content-type": "application/json; charset=UTF-8",
          "content-length": Buffer.byteLength(payload),
        });
        res.end(payload);
      })
      .catch((error: unknown) => ctx.logger.error({ err: error }, "could not write the response"));
  };
}

async function handle(ctx: ServerContext, req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://emulator.local");
  let path = url.pathname;
  if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) path = path.slice(API_PREFIX.length);
  let segments: string[];
  try {
    segments = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw invalid(`Invalid URL path ${url.pathname}`);
  }
  const method = (req.method ?? "GET").toUpperCase();
  const params = url.searchParams;
  const body = method === "POST" || method === "PUT" || method === "PATCH" ? await readBody(req) : undefined;
  const unknownRoute = () => notFound(`Not found: ${method} ${url.pathname}`);
  const [root, projectId, collection, id, sub, subId, action] = segments;

  if (segments.length === 0 || (segments.length === 1 && root === "healthz")) {
    if (method !== "GET") throw unknownRoute();
    return ok({ status: "ok", service: "bigquery-emulator", defaultProject: ctx.defaultProject });
  }
  if (root !== "projects") throw unknownRoute();
  if (projectId === undefined) {
    if (method !== "GET") throw unknownRoute();
    return ok(projectList(ctx));
  }
  const { catalog, jobs } = ctx;

  if (collection === "datasets") {
    if (id === undefined) {
      if (method === "GET") return ok(datasetList(ctx, projectId, params));
      if (method === "POST") return ok(datasetResource(ctx, await createDataset(ctx, projectId, body)));
      throw unknownRoute();
    }
    const dataset = { projectId, datasetId: id };
    if (sub === undefined) {
      if (method === "GET") return ok(datasetResource(ctx, catalog.requireDataset(dataset)));
      if (method === "PATCH" || method === "PUT") {
        const patch = isObject(body) ? body : {};
        const changes: { description?: string; friendlyName?: string; labels?: Record<string, string> } = {};
        const description = optionalString(patch.description);
        const friendlyName = optionalString(patch.friendlyName);
        const labels = stringRecord(patch.labels);
        if (description !== undefined) changes.description = description;
        if (friendlyName !== undefined) changes.friendlyName = friendlyName;
        if (labels !== undefined) changes.labels = labels;
        return ok(datasetResource(ctx, catalog.patchDataset(dataset, changes)));
      }
      if (method === "DELETE") {
        await catalog.deleteDataset(dataset, params.get("deleteContents") === "true");
        return { status: 204 };
      }
      throw unknownRoute();
    }
    if (sub !== "tables") throw unknownRoute();
    if (subId === undefined) {
      if (method === "GET") return ok(await tableList(ctx, dataset, params));
      if (method === "POST") {
        if (!isObject(body)) throw invalid("The table must be a JSON object");
        const reference = isObject(body.tableReference) ? body.tableReference : {};
        const tableId = optionalString(reference.tableId);
        if (!tableId) throw invalid("Required parameter is missing: tableReference.tableId");
        const info = await catalog.createTable({ ...dataset, tableId }, body);
        return ok(tableResource(ctx, info));
      }
      throw unknownRoute();
    }
    const table: TableRef = { ...dataset, tableId: subId };
    if (action === undefined) {
      if (method === "GET") return ok(tableResource(ctx, await catalog.describe(table)));
      if (method === "PATCH" || method === "PUT") {
        return ok(tableResource(ctx, await catalog.patchTable(table, isObject(body) ? body : {})));
      }
      if (method === "DELETE") {
        await catalog.deleteTable(table);
        return { status: 204 };
      }
      throw unknownRoute();
    }
    if (action === "insertAll" && method === "POST" && segments.length === 7) {
      if (!isObject(body) || !Array.isArray(body.rows)) throw invalid("Required parameter is missing: rows");
      if (body.templateSuffix) throw invalid("templateSuffix is not supported by the emulator");
      const insertErrors = await catalog.insertRows(table, body.rows, {
        skipInvalidRows: body.skipInvalidRows === true,
        ignoreUnknownValues: body.ignoreUnknownValues === true,
      });
      return ok({
        kind: "bigquery#tableDataInsertAllResponse",
        ...(insertErrors.length ? { insertErrors } : {}),
      });
    }
    if (action === "data" && method === "GET" && segments.length === 7) {
      const selected = params.get("selectedFields");
      const read = await catalog.readRows(table, {
        startIndex: pageStart(params),
        maxResults: intParam(params.get("maxResults"), "maxResults", 100_000),
        ...(selected ? { selectedFields: selected.split(",") } : {}),
        encode: { int64Timestamp: params.get("formatOptions.useInt64Timestamp") === "true" },
      });
      const next = pageStart(params) + read.rows.length;
      return ok({
        kind: "bigquery#tableDataList",
        etag: etag([table, read.totalRows]),
        totalRows: String(read.totalRows),
        ...(read.rows.length ? { rows: read.rows } : {}),
        ...(next < read.totalRows ? { pageToken: pageToken(next) } : {}),
      });
    }
    throw unknownRoute();
  }

  if (collection === "jobs") {
    if (id === undefined) {
      if (method === "POST") return ok(await jobs.insert(projectId, body));
      if (method === "GET") return ok(jobs.list(projectId, params));
      throw unknownRoute();
    }
    const location = params.get("location");
    if (sub === undefined && method === "GET") return ok(jobs.get(projectId, id, location));
    if (sub === "cancel" && method === "POST" && segments.length === 5)
      return ok(jobs.cancel(projectId, id, location));
    if (sub === "delete" && method === "DELETE" && segments.length === 5) {
      jobs.delete(projectId, id, location);
      return { status: 204 };
    }
    throw unknownRoute();
  }

  if (collection === "queries") {
    if (id === undefined && method === "POST") return ok(await jobs.query(projectId, body));
    if (id !== undefined && sub === undefined && method === "GET")
      return ok(await jobs.getQueryResults(projectId, id, params));
    throw unknownRoute();
  }
  throw unknownRoute();
}

async function createDataset(ctx: ServerContext, projectId: string, body: unknown): Promise<DatasetMeta> {
  if (!isObject(body)) throw invalid("The dataset must be a JSON object");
  const reference = isObject(body.datasetReference) ? body.datasetReference : {};
  const datasetId = optionalString(reference.datasetId);
  if (!datasetId) throw invalid("Required parameter is missing: datasetReference.datasetId");
  const options: {
    location?: string;
    description?: string;
    friendlyName?: string;
    labels?: Record<string, string>;
  } = {};
  const location = optionalString(body.location);
  const description = optionalString(body.description);
  const friendlyName = optionalString(body.friendlyName);
  const labels = stringRecord(body.labels);
  if (location) options.location = location;
  if (description !== undefined) options.description = description;
  if (friendlyName !== undefined) options.friendlyName = friendlyName;
  if (labels !== undefined) options.labels = labels;
  return ctx.catalog.createDataset({ projectId, datasetId }, options);
}

function projectList(ctx: ServerContext): Json {
  const ids = [...new Set([ctx.defaultProject, ...ctx.catalog.projects(), ...ctx.jobs.projects()])].sort();
  const projects = ids.map((id) => ({
    kind: "bigquery#project",
    id,
    numericId: "0",
    projectReference: { projectId: id },
    friendlyName: id,
  }));
  return { kind: "bigquery#projectList", etag: etag(ids), projects, totalItems: projects.length };
}

function datasetResource(ctx: ServerContext, d: DatasetMeta): Json {
  const resource: Json = {
    kind: "bigquery#dataset",
    id: `${d.projectId}:${d.datasetId}`,
    selfLink: `${ctx.baseUrl()}${API_PREFIX}/projects/${encodeURIComponent(d.projectId)}/datasets/${encodeURIComponent(d.datasetId)}`,
    datasetReference: { datasetId: d.datasetId, projectId: d.projectId },
    location: d.location,
    creationTime: String(d.creationTime),
    lastModifiedTime: String(d.lastModifiedTime),
    type: "DEFAULT",
  };
  if (d.description !== undefined) resource.description = d.description;
  if (d.friendlyName !== undefined) resource.friendlyName = d.friendlyName;
  if (d.labels !== undefined) resource.labels = d.labels;
  resource.etag = etag(resource);
  return resource;
}

function datasetList(ctx: ServerContext, projectId: string, params: URLSearchParams): Json {
  const all = ctx.catalog.listDatasets(projectId, params.get("all") === "true");
  const start = pageStart(params);
  const max = intParam(params.get("maxResults"), "maxResults", 1000);
  const page = all.slice(start, start + max).map((d) => ({
    kind: "bigquery#dataset",
    id: `${d.projectId}:${d.datasetId}`,
    datasetReference: { datasetId: d.datasetId, projectId: d.projectId },
    location: d.location,
    ...(d.labels ? { labels: d.labels } : {}),
    ...(d.friendlyName ? { friendlyName: d.friendlyName } : {}),
  }));
  return {
    kind: "bigquery#datasetList",
    etag: etag(page),
    ...(page.length ? { datasets: page } : {}),
    ...(start + max < all.length ? { nextPageToken: pageToken(start + max) } : {}),
  };
}

async function tableList(
  ctx: ServerContext,
  dataset: { projectId: string; datasetId: string },
  params: URLSearchParams,
): Promise<Json> {
  const all = await ctx.catalog.listTables(dataset);
  const start = pageStart(params);
  const max = intParam(params.get("maxResults"), "maxResults", 1000);
  const page = all.slice(start, start + max).map((t) => ({
    kind: "bigquery#table",
    id: `${dataset.projectId}:${dataset.datasetId}.${t.tableId}`,
    tableReference: { projectId: dataset.projectId, datasetId: dataset.datasetId, tableId: t.tableId },
    type: t.kind,
    creationTime: String(t.creationTime),
  }));
  return {
    kind: "bigquery#tableList",
    etag: etag(page),
    ...(page.length ? { tables: page } : {}),
    totalItems: all.length,
    ...(start + max < all.length ? { nextPageToken: pageToken(start + max) } : {}),
  };
}

function tableResource(ctx: ServerContext, t: TableInfo): Json {
  const { projectId, datasetId, tableId } = t.ref;
  const resource: Json = {
    kind: "bigquery#table",
    id: `${projectId}:${datasetId}.${tableId}`,
    selfLink: `${ctx.baseUrl()}${API_PREFIX}/projects/${encodeURIComponent(projectId)}/datasets/${encodeURIComponent(datasetId)}/tables/${encodeURIComponent(tableId)}`,
    tableReference: { projectId, datasetId, tableId },
    schema: { fields: t.fields },
    numRows: String(t.numRows),
    numBytes: "0",
    numLongTermBytes: "0",
    creationTime: String(t.meta.creationTime),
    lastModifiedTime: String(t.meta.lastModifiedTime),
    type: t.kind,
    location: t.location,
  };
  if (t.kind === "VIEW") resource.view = { query: t.meta.viewQuery ?? "", useLegacySql: false };
  if (t.meta.description !== undefined) resource.description = t.meta.description;
  if (t.meta.friendlyName !== undefined) resource.friendlyName = t.meta.friendlyName;
  if (t.meta.labels !== undefined) resource.labels = t.meta.labels;
  resource.etag = etag(resource);
  return resource;
}
