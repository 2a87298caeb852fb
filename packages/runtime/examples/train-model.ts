/**
 * The seed's usage, in TypeScript: a connector, a task class for it, a `dataPrep` step and a
 * `trainModel(epochs)` workflow-like function composing them — run locally, no cluster.
 *
 * The connector here keeps its "training jobs" in memory so the example is self-contained; the real one
 * (talking to a training service over HTTP) is `@flyte-connectors/connector-model-training`.
 *
 * It runs in `npm test` (test/executor/examples.test.ts); `trainModel()` is the part to copy. As a program,
 * after `npm run build` (progress on stderr, the model file's URI on stdout):
 *
 *   npx tsx packages/runtime/examples/train-model.ts
 */
import {
  AsyncConnector,
  AsyncConnectorExecutorMixin,
  ConnectorError,
  ConnectorRegistry,
  FlyteFile,
  TaskExecutionPhase as Phase,
  TaskTemplate,
  jsonMeta,
  types,
  type CallContext,
  type CreateContext,
  type Resource,
} from "@flyte-connectors/runtime";
import type { ExecuteOptions } from "@flyte-connectors/runtime/executor";

interface TrainJobMeta {
  job_id: string;
  endpoint: string;
}

interface Job {
  epochs: number;
  /** Epochs done: one per poll, so a run's course never depends on how fast the machine is. */
  done: number;
  cancelled: boolean;
}

/** A training "service" in memory: each poll finds one more epoch done. */
export class InMemoryTrainingConnector extends AsyncConnector<TrainJobMeta> {
  readonly name = "Model Training Connector (in memory)";
  readonly taskTypeName = "example_model_training";
  readonly metadata = jsonMeta<TrainJobMeta>(["job_id", "endpoint"]);
  readonly #jobs = new Map<string, Job>();

  async create({ taskTemplate, inputs, idempotencyKey }: CreateContext): Promise<TrainJobMeta> {
    const endpoint = taskTemplate.custom?.endpoint;
    if (typeof endpoint !== "string") throw ConnectorError.badRequest("custom.endpoint is required");
    const epochs = Number(inputs.epochs);
    // The idempotency key is the job id: a repeated create finds the same job.
    if (!this.#jobs.has(idempotencyKey))
      this.#jobs.set(idempotencyKey, { epochs, done: 0, cancelled: false });
    return { job_id: idempotencyKey, endpoint };
  }

  async get(meta: TrainJobMeta, _ctx: CallContext): Promise<Resource> {
    const job = this.#jobs.get(meta.job_id);
    if (!job) return { phase: Phase.FAILED, message: "job not found" };
    if (job.cancelled) return { phase: Phase.ABORTED };
    const epoch = job.done++;
    const logLinks = [{ name: "training-dashboard", uri: `${meta.endpoint}/${meta.job_id}` }];
    if (epoch < job.epochs)
      return { phase: Phase.RUNNING, message: `epoch ${epoch}/${job.epochs}`, logLinks };
    return {
      phase: Phase.SUCCEEDED,
      outputs: { results: new FlyteFile(`file:///tmp/models/${meta.job_id}.bin`) },
      logLinks,
    };
  }

  async delete(meta: TrainJobMeta): Promise<void> {
    const job = this.#jobs.get(meta.job_id);
    if (job) job.cancelled = true;
  }
}

/** The seed's task class: inputs `{ epochs, dataset_uri }`, output `results` (a file). */
export class ModelTrainTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
  override readonly interface = {
    inputs: { epochs: types.int, dataset_uri: types.string },
    outputs: { results: types.file },
  };

  constructor(
    name: string,
    private readonly endpoint: string,
  ) {
    super({ name, taskType: "example_model_training" });
  }

  override customConfig() {
    return { endpoint: this.endpoint };
  }
}

/** A plain step before training: where the dataset is. */
export async function dataPrep(): Promise<string> {
  return "gs://my-bucket/dataset.csv";
}

/** The seed's "workflow": prepare data, then train. */
export async function trainModel(epochs: number, options: ExecuteOptions = {}): Promise<FlyteFile> {
  const datasetUri = await dataPrep();
  const task = new ModelTrainTask("model_train", "http://localhost:8080/train");
  const { results } = await task.execute({ epochs, dataset_uri: datasetUri }, options);
  return results;
}

/** Registers the in-memory connector and trains, as a script would. */
export function main(): Promise<FlyteFile> {
  const registry = new ConnectorRegistry([new InMemoryTrainingConnector()]);
  return trainModel(3, { registry, poll: { initialMs: 100 } });
}

if (require.main === module) {
  main().then(
    (results) => console.log(results.uri),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
