export { RUNTIME_VERSION } from "../version";
export {
  TaskTemplate,
  type SerializationContext,
  type TaskInterface,
  type TaskTemplateOptions,
} from "./template";
export {
  interfaceToProto,
  types,
  type AnyToken,
  type NativeOf,
  type NativeValues,
  type TypeShape,
  type TypeToken,
} from "./types";
