/**
 * Where BigQuery objects live in DuckDB: dataset `d` of project `p` is the DuckDB schema `p__d` in the
 * main catalog, and a table keeps its own name inside it. Project ids cannot contain underscores, so
 * the first `__` always separates the two parts.
 */
import { quoteIdent } from "./bq-types";

export interface DatasetRef {
  projectId: string;
  datasetId: string;
}

export interface TableRef extends DatasetRef {
  tableId: string;
}

export const SCHEMA_SEPARATOR = "__";

export function schemaName(projectId: string, datasetId: string): string {
  return `${projectId}${SCHEMA_SEPARATOR}${datasetId}`;
}

/** The dataset a DuckDB schema holds, or undefined for DuckDB's own schemas. */
export function datasetOfSchema(schema: string): DatasetRef | undefined {
  const at = schema.indexOf(SCHEMA_SEPARATOR);
  if (at <= 0 || at + SCHEMA_SEPARATOR.length >= schema.length) return undefined;
  return { projectId: schema.slice(0, at), datasetId: schema.slice(at + SCHEMA_SEPARATOR.length) };
}

/** `"p__d"."t"` */
export function qualifiedTable(ref: TableRef): string {
  return `${quoteIdent(schemaName(ref.projectId, ref.datasetId))}.${quoteIdent(ref.tableId)}`;
}

export function tableLabel(ref: TableRef): string {
  return `${ref.projectId}:${ref.datasetId}.${ref.tableId}`;
}

export function datasetLabel(ref: DatasetRef): string {
  return `${ref.projectId}:${ref.datasetId}`;
}
