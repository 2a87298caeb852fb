/** Data frame columns ↔ `StructuredDatasetType` columns. */
import type { LiteralType, StructuredDatasetType_DatasetColumn } from "../gen/flyteidl2/core/types";
import { cloneType } from "./literal-types";
import type { DataFrameColumn } from "./values";

export function columnsToProto(columns: readonly DataFrameColumn[]): StructuredDatasetType_DatasetColumn[] {
  return columns.map((column) => ({ name: column.name, literalType: cloneType(columnType(column)) }));
}

export function columnsFromProto(columns: readonly StructuredDatasetType_DatasetColumn[]): DataFrameColumn[] {
  return columns.map((column) => ({ name: column.name, type: column.literalType ?? {} }));
}

function columnType(column: DataFrameColumn): LiteralType {
  return "literalType" in column.type ? column.type.literalType : column.type;
}
