/**
 * Between the runtime's wire types (ts-proto: oneofs as `{ $case, value }`) and the upstream protobuf-es
 * shapes the kit encodes with. Requests are mapped field by field, guided by the upstream descriptors,
 * never through the runtime's encoder: the bytes on the wire are always the upstream encoder's, so a
 * field the runtime numbers or names differently fails a test instead of round-tripping unnoticed.
 */
import {
  create,
  toBinary,
  type DescField,
  type DescMessage,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import {
  Outputs as WireOutputs,
  TypedInterface as WireTypedInterface,
  nativeToInputs,
  outputsToNative,
  type TaskTemplate as WireTaskTemplate,
} from "@flyte-connectors/runtime/wire";
import {
  InputsSchema,
  OutputsSchema,
  TaskTemplateSchema,
  TypedInterfaceSchema,
  type UpstreamOutputs,
} from "./upstream";

/** google.protobuf.Struct and friends: JSON values on both sides. */
const JSON_TYPES = new Set(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"]);
/** Wrapper types: unboxed to their primitive on both sides. */
const WRAPPER_PREFIX = "google.protobuf.";
const WRAPPERS = new Set(
  ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].map(
    (t) => `${WRAPPER_PREFIX}${t}Value`,
  ),
);

/** A ts-proto message value as the upstream `create(desc, init)` takes it. */
export function toUpstreamInit<D extends DescMessage>(desc: D, value: unknown): MessageInitShape<D> {
  return messageInit(desc, value) as MessageInitShape<D>;
}

function messageInit(desc: DescMessage, value: unknown): unknown {
  if (JSON_TYPES.has(desc.typeName) || WRAPPERS.has(desc.typeName)) return value;
  if (value === null || typeof value !== "object") return {};
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const chosen = source[member.localName] as { $case?: string; value?: unknown } | undefined;
      if (!chosen?.$case) continue;
      const field = member.fields.find((f) => f.localName === chosen.$case);
      if (!field)
        throw new Error(`${desc.typeName}.${member.localName} has no member "${chosen.$case}" upstream`);
      out[member.localName] = { case: field.localName, value: singular(field, chosen.value) };
      continue;
    }
    const v = source[member.localName];
    if (v === undefined || v === null) continue;
    out[member.localName] = fieldInit(member, v);
  }
  return out;
}

function fieldInit(field: DescField, value: unknown): unknown {
  switch (field.fieldKind) {
    case "list":
      return field.listKind === "message"
        ? (value as unknown[]).map((v) => messageInit(field.message, v))
        : value;
    case "map":
      return field.mapKind === "message"
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [
              k,
              messageInit(field.message, v),
            ]),
          )
        : value;
    default:
      return singular(field, value);
  }
}

function singular(field: DescField, value: unknown): unknown {
  return field.fieldKind === "message" ? messageInit(field.message, value) : value;
}

/** What the kit accepts as a task template: a runtime `TaskTemplate` (a task class) or an upstream init. */
export type TemplateInput = { toProto(): WireTaskTemplate } | MessageInitShape<typeof TaskTemplateSchema>;

/** The template as an upstream init, and its interface as the runtime reads it. */
export function resolveTemplate(template: TemplateInput): {
  init: MessageInitShape<typeof TaskTemplateSchema>;
  iface: WireTypedInterface | undefined;
} {
  const init =
    typeof (template as { toProto?: unknown }).toProto === "function"
      ? toUpstreamInit(TaskTemplateSchema, (template as { toProto(): WireTaskTemplate }).toProto())
      : (template as MessageInitShape<typeof TaskTemplateSchema>);
  const message = create(TaskTemplateSchema, init);
  const iface = message.interface
    ? WireTypedInterface.decode(toBinary(TypedInterfaceSchema, message.interface))
    : undefined;
  return { init, iface };
}

/** Native input values as upstream `Inputs`, converted by the runtime using the interface. */
export function inputsInit(values: Record<string, unknown>, iface: WireTypedInterface | undefined) {
  return toUpstreamInit(InputsSchema, nativeToInputs(values, iface));
}

/** Output literals (decoded upstream) as native values, converted by the runtime using the interface. */
export function nativeOutputs(
  outputs: UpstreamOutputs,
  iface: WireTypedInterface | undefined,
): Record<string, unknown> {
  return outputsToNative(WireOutputs.decode(toBinary(OutputsSchema, outputs)), iface);
}
