/**
 * Literal conversion: native JavaScript values ↔ flyteidl2 `Literal`s.
 *
 * | Flyte type | native value |
 * |---|---|
 * | integer | `number` when safe, `bigint` beyond ±2^53 (an unsafe `number` is rejected, never rounded) |
 * | float | `number` (`Float` / `float()` forces a float where the type is guessed) |
 * | string, boolean | `string`, `boolean` |
 * | datetime | `Date` (millisecond precision) |
 * | duration | `Duration` |
 * | none | `null` (`undefined` is accepted when encoding) |
 * | file / directory (blob) | `FlyteFile` / `FlyteDirectory` (a URI string where the type is declared) |
 * | structured dataset | `DataFrame` (format `""` = generic unless given) |
 * | list | array |
 * | map | plain object; a `Map` with string keys is accepted when encoding |
 * | struct (JSON object) | plain object, as a protobuf Struct or msgpack `Binary` (see `usesMsgpack`) |
 * | binary, other tags | `RawBinary` |
 * | union | the value of the chosen variant |
 * | enum | one of its strings |
 *
 * Rules worth knowing:
 * - A STRUCT type travels as msgpack `Binary` when it carries the Python SDK's msgpack annotation, a JSON
 *   schema in `metadata`, or a `structure` (dicts, dataclasses, pydantic models); a bare STRUCT (what
 *   guessing gives a plain object) travels as a protobuf Struct. Decoding accepts either form.
 * - Inside JSON, `Date`s become ISO strings, `undefined` properties are dropped, and integral numbers are
 *   msgpack integers (a `Float` inside JSON cannot force a float there).
 * - Unions try the variants matching the value's own kind first, then every variant in order.
 * - Every refusal (wrong kind, unsafe integer, offloaded / schema / error / pickled literal, unsupported
 *   value) is a bad-request `ConnectorError` whose message starts with the path (`inputs.config.items[2]`)
 *   and whose `details` hold `{ input, path }`.
 */
export { toLiteral } from "./to-literal";
export { fromLiteral } from "./from-literal";
export { guessLiteralType } from "./guess";
export { inputsToNative, nativeToInputs, nativeToOutputs, outputsToNative } from "./named";
export {
  blobType,
  cloneType,
  collectionType,
  describeType,
  enumType,
  isOptionalType,
  jsonObjectType,
  mapType,
  simpleType,
  structuredDatasetType,
  unionType,
  usesMsgpack,
} from "./literal-types";
export {
  DataFrame,
  Duration,
  Float,
  FlyteDirectory,
  FlyteFile,
  RawBinary,
  float,
  type BlobOptions,
  type DataFrameColumn,
  type DataFrameOptions,
} from "./values";
