import type { NativeValues, TypeShape } from "../task/types";
import type { TaskInterface, TaskTemplate } from "../task/template";
import type { ExecuteOptions } from "./execute";

// The mixin accepts TaskTemplate and any subclass of it, abstract or not, whatever its constructor takes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TemplateClass = abstract new (...args: any[]) => TaskTemplate<any, any>;

type InputShape<T> = T extends { interface: TaskInterface<infer I, TypeShape> } ? I : TypeShape;
type OutputShape<T> = T extends { interface: TaskInterface<TypeShape, infer O> } ? O : TypeShape;

/** The native inputs of a task instance, typed from its interface: `TaskInputs<ModelTrainTask>`. */
export type TaskInputs<T> = NativeValues<InputShape<T>>;
/** The native outputs of a task instance, typed from its interface. */
export type TaskOutputs<T> = NativeValues<OutputShape<T>>;

/**
 * Gives a task class `execute(inputs, options)`: run the task's job through its connector on this
 * machine, or against a running connector server with `{ endpoint }`, exactly as the Flyte backend would.
 *
 * @example
 * ```ts
 * class ModelTrainTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
 *   override readonly interface = { inputs: { epochs: types.int, dataset_uri: types.string }, outputs: { results: types.file } };
 *   constructor(name: string, private readonly endpoint: string) { super({ name, taskType: "external_model_training" }); }
 *   override customConfig() { return { endpoint: this.endpoint }; }
 * }
 * const { results } = await new ModelTrainTask("train", url).execute({ epochs: 3, dataset_uri: "gs://b/d.csv" });
 * ```
 */
export function AsyncConnectorExecutorMixin<TBase extends TemplateClass>(Base: TBase) {
  abstract class AsyncConnectorExecutor extends Base {
    /**
     * Runs the task: create → poll → outputs, typed from the task's interface. Rejects with
     * `TaskFailedError` (the job failed), `TaskAbortedError` / `TaskTimeoutError` (stopped; the job was
     * deleted) or a `ConnectorError` (bad inputs, no connector, a call that failed).
     */
    // A `this` parameter, not the polymorphic `this` type (which a mixin fixes too early), lets the
    // caller's class decide the input and output types.
    execute<T extends TaskTemplate<TypeShape, TypeShape>>(
      this: T,
      inputs: TaskInputs<T>,
      options: ExecuteOptions = {},
    ): Promise<TaskOutputs<T>> {
      // The executor loads on first use: a connector module defines task classes, and a server that loads
      // it to serve the connector never runs them.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { executeTask } = require("./execute") as typeof import("./execute");
      return executeTask(this, inputs as Record<string, unknown>, options) as Promise<TaskOutputs<T>>;
    }
  }
  return AsyncConnectorExecutor;
}
