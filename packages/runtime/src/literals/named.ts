/**
 * A task's named inputs and outputs (`Inputs` / `Outputs`, lists of `NamedLiteral`) ↔ records of native
 * values, typed by the task's `TypedInterface`.
 */
import type { TypedInterface, VariableMap } from "../gen/flyteidl2/core/interface";
import type { LiteralType } from "../gen/flyteidl2/core/types";
import type { Inputs, NamedLiteral, Outputs } from "../gen/flyteidl2/task/common";
import { fromLiteral } from "./from-literal";
import { isPlainObject } from "./json";
import { isOptionalType } from "./literal-types";
import { badValue, childPath } from "./paths";
import { toLiteral } from "./to-literal";

type Side = "inputs" | "outputs";

/**
 * Input literals as native values, each typed by the interface's variable of the same name. Names the
 * interface does not declare are converted by guessing; a declared, non-optional input that is missing
 * is a bad request. Missing optional inputs are left out of the record.
 */
export function inputsToNative(inputs: Inputs | undefined, iface?: TypedInterface): Record<string, unknown> {
  return namedToNative(inputs?.literals ?? [], iface?.inputs, "inputs");
}

/** Output literals as native values; the same rules as `inputsToNative`. */
export function outputsToNative(
  outputs: Outputs | undefined,
  iface?: TypedInterface,
): Record<string, unknown> {
  return namedToNative(outputs?.literals ?? [], iface?.outputs, "outputs");
}

/**
 * Native input values as `Inputs`, in the interface's declaration order. A name the interface does not
 * declare is a bad request, as is a missing non-optional input; a missing optional input is sent as none.
 * Without an interface (or with no `inputs` in it) every value's type is guessed.
 */
export function nativeToInputs(values: Record<string, unknown>, iface?: TypedInterface): Inputs {
  return { literals: nativeToNamed(values, iface?.inputs, "inputs"), context: [] };
}

/** Native output values as `Outputs`; the same rules as `nativeToInputs`. */
export function nativeToOutputs(values: Record<string, unknown>, iface?: TypedInterface): Outputs {
  return { literals: nativeToNamed(values, iface?.outputs, "outputs") };
}

/** The declared variables by name, in declaration order; undefined when nothing is declared. */
function declaredTypes(map: VariableMap | undefined): Map<string, LiteralType | undefined> | undefined {
  if (!map) return undefined;
  return new Map(map.variables.map((entry) => [entry.key, entry.value?.type]));
}

function singular(side: Side): string {
  return side === "inputs" ? "input" : "output";
}

function namedToNative(
  literals: NamedLiteral[],
  map: VariableMap | undefined,
  side: Side,
): Record<string, unknown> {
  const declared = declaredTypes(map);
  const entries: Array<[string, unknown]> = [];
  const seen = new Set<string>();
  for (const { name, value } of literals) {
    const path = childPath(side, name);
    if (seen.has(name)) throw badValue(path, `the ${singular(side)} '${name}' is given twice`);
    seen.add(name);
    if (!value) throw badValue(path, `the ${singular(side)} '${name}' has no literal`);
    entries.push([name, fromLiteral(value, declared?.get(name), path)]);
  }
  for (const [name, type] of declared ?? []) {
    if (!seen.has(name) && !isOptionalType(type)) {
      throw badValue(childPath(side, name), `the required ${singular(side)} '${name}' is missing`);
    }
  }
  return Object.fromEntries(entries);
}

function nativeToNamed(
  values: Record<string, unknown>,
  map: VariableMap | undefined,
  side: Side,
): NamedLiteral[] {
  if (!isPlainObject(values)) throw badValue(side, `${side} must be a plain object of named values`);
  const declared = declaredTypes(map);
  if (!declared) {
    return Object.entries(values).map(([name, value]) => ({
      name,
      value: toLiteral(value, undefined, childPath(side, name)),
    }));
  }
  for (const name of Object.keys(values)) {
    if (!declared.has(name)) {
      const known = [...declared.keys()].join(", ") || "none";
      throw badValue(
        childPath(side, name),
        `unknown ${singular(side)} '${name}'; the task declares: ${known}`,
      );
    }
  }
  return [...declared].map(([name, type]) => ({ name, value: namedLiteral(values, name, type, side) }));
}

function namedLiteral(
  values: Record<string, unknown>,
  name: string,
  type: LiteralType | undefined,
  side: Side,
) {
  const path = childPath(side, name);
  const value = Object.hasOwn(values, name) ? values[name] : undefined;
  if (value === undefined && !isOptionalType(type)) {
    throw badValue(path, `the required ${singular(side)} '${name}' is missing`);
  }
  return toLiteral(value ?? null, type, path);
}
