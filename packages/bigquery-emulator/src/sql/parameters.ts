/**
 * Query parameters (`queryParameters` of a query job or a jobs.query request) as DuckDB literals.
 */
import { typeOfParameter, type BqType, type QueryParameterType } from "./bq-types";
import { toSqlLiteral } from "./literals";
import { SqlError } from "./sql-error";

export interface QueryParameterValue {
  value?: unknown;
  arrayValues?: QueryParameterValue[];
  structValues?: Record<string, QueryParameterValue>;
}

export interface QueryParameter {
  name?: string;
  parameterType: QueryParameterType;
  parameterValue?: QueryParameterValue;
}

/** Literals by lower-cased name (NAMED mode) or by position (POSITIONAL mode). */
export interface BoundParameters {
  mode: "NAMED" | "POSITIONAL" | "NONE";
  named: Map<string, string>;
  positional: string[];
}

export function bindParameters(
  parameters: QueryParameter[] | undefined,
  parameterMode: string | undefined,
): BoundParameters {
  const list = parameters ?? [];
  const declared = (parameterMode ?? "").toUpperCase();
  if (declared && declared !== "NAMED" && declared !== "POSITIONAL") {
    throw new SqlError(`Invalid parameterMode ${parameterMode}: expected NAMED or POSITIONAL`, "invalid");
  }
  const mode =
    (declared as "NAMED" | "POSITIONAL" | "") ||
    (list.length === 0 ? "NONE" : list.every((p) => p.name) ? "NAMED" : "POSITIONAL");
  const bound: BoundParameters = { mode, named: new Map(), positional: [] };
  list.forEach((parameter, index) => {
    if (typeof parameter !== "object" || parameter === null) {
      throw new SqlError(`Query parameter ${index} is not an object`, "invalid");
    }
    const label = mode === "NAMED" ? `@${parameter.name ?? ""}` : `#${index + 1}`;
    if (mode === "NAMED" && !parameter.name) {
      throw new SqlError(`Query parameter ${index + 1} has no name, but parameterMode is NAMED`, "invalid");
    }
    const type = typeOfParameter(parameter.parameterType, label);
    let literal: string;
    try {
      literal = toSqlLiteral(unwrap(parameter.parameterValue, type), type, `query parameter ${label}`);
    } catch (error) {
      if (error instanceof SqlError) throw new SqlError(`Invalid value for ${error.message}`, "invalidQuery");
      throw error;
    }
    if (mode === "NAMED") {
      const key = parameter.name!.toLowerCase();
      if (bound.named.has(key))
        throw new SqlError(`Duplicate query parameter name ${parameter.name}`, "invalid");
      bound.named.set(key, literal);
    } else {
      bound.positional.push(literal);
    }
  });
  return bound;
}

/** The REST `parameterValue` wrapper as a plain JSON value. */
function unwrap(value: QueryParameterValue | undefined, type: BqType): unknown {
  if (value === undefined || value === null) return type.name === "ARRAY" ? [] : null;
  if (type.name === "ARRAY") {
    return (value.arrayValues ?? []).map((item) => unwrap(item, type.element!));
  }
  if (type.name === "STRUCT") {
    if (!value.structValues) return value.value === undefined ? null : value.value;
    const out: Record<string, unknown> = {};
    const fields = type.fields ?? [];
    for (const [key, item] of Object.entries(value.structValues)) {
      const field = fields.find((f) => f.name.toLowerCase() === key.toLowerCase());
      out[key] = field ? unwrap(item, field.type) : item?.value;
    }
    return out;
  }
  return value.value ?? null;
}
