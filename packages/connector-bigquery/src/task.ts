import type { JobMetadata } from "@google-cloud/bigquery";
import {
  AsyncConnectorExecutorMixin,
  ConnectorError,
  TaskTemplate,
  type DataFrame,
  type Duration,
  type SerializationContext,
  type TaskInterface,
  type TypeShape,
  type TypeToken,
} from "@flyte-connectors/runtime";
import { parseCustomConfig } from "./config";
import { TASK_TYPE } from "./connector";

type RestQueryConfiguration = NonNullable<NonNullable<JobMetadata["configuration"]>["query"]>;

/**
 * BigQuery's query job configuration in its REST shape (`configuration.query`: destinationTable,
 * writeDisposition, priority, maximumBytesBilled, defaultDataset, useQueryCache, ...) plus the job-level
 * `labels`, `dryRun` and `jobTimeoutMs`. The SQL and parameters come from the task, so they are not here.
 */
export type QueryJobConfig = Omit<RestQueryConfiguration, "query" | "queryParameters" | "parameterMode"> & {
  labels?: Record<string, string>;
  dryRun?: boolean;
  jobTimeoutMs?: string | number;
};

/** Where and how the query runs: the Python plugin's `BigQueryConfig`, field for field. */
export interface BigQueryConfig {
  /** The Google Cloud project that runs (and pays for) the query. Required. */
  ProjectID: string;
  /** Where the job runs, e.g. `US` or `europe-west1`. Default: BigQuery picks from the tables read. */
  Location?: string;
  /** Query job settings, passed to BigQuery as they are. Default none. */
  QueryJobConfig?: QueryJobConfig;
  /** BigQuery parameter types for inputs whose Flyte type does not say, e.g. `{ amount: "NUMERIC" }`. Default none. */
  QueryParameterTypes?: Record<string, string>;
}

export interface BigQueryTaskOptions<I extends TypeShape, D extends TypeToken<DataFrame> | undefined> {
  /** The SQL. Inputs are named query parameters: `WHERE id = @user_id`. Sent as written. */
  queryTemplate: string;
  pluginConfig: BigQueryConfig;
  /** Inputs by name, with their types; each becomes the query parameter of that name. Default none. */
  inputs?: I;
  /**
   * Declare it (`types.dataframe`) to receive the query's result table as output `results`, a
   * `DataFrame` whose uri is `bq://project:dataset.table`. Default none: the task has no outputs.
   */
  outputDataFrameType?: D;
  /**
   * The name of the secret holding a service-account key (JSON) to run as. Default none: the
   * connector's `google_application_credentials` secret, else application default credentials.
   */
  googleApplicationCredentials?: string;
  /** Attempts after the first when BigQuery reports a transient failure. Default 0. */
  retries?: number;
  /** Whole-task timeout: milliseconds or a `Duration`. Default none. */
  timeout?: number | Duration;
}

/** The outputs a task declares: `results` when it has an output data frame type, else none. */
export type BigQueryOutputs<D> = D extends TypeToken<DataFrame> ? { results: D } : Record<never, never>;

/**
 * A BigQuery SQL task: the Python plugin's `BigQueryTask` in TypeScript. It serialises to the template
 * the Python plugin writes (task type `bigquery_query_job_task`, custom `ProjectID` / `Location` /
 * `Domain` / flattened query config / `secrets`), so the same connector runs tasks from either SDK, and
 * `execute()` runs it locally through the connector.
 *
 * Unlike the Python plugin, the SQL is sent as written: folding whitespace would end a `--` comment's
 * line at the end of the query and change string literals.
 *
 * @example
 * ```ts
 * const activeUsers = new BigQueryTask("active_users", {
 *   queryTemplate: "SELECT user_id, name FROM samples.users WHERE is_active = @active",
 *   pluginConfig: { ProjectID: "local-project" },
 *   inputs: { active: types.bool },
 *   outputDataFrameType: types.dataframe,
 * });
 * const { results } = await activeUsers.execute({ active: true });
 * results.uri; // "bq://local-project:_...anon....anon..."
 * ```
 */
export class BigQueryTask<
  I extends TypeShape = Record<never, never>,
  D extends TypeToken<DataFrame> | undefined = undefined,
> extends AsyncConnectorExecutorMixin(TaskTemplate) {
  declare readonly interface: TaskInterface<I, BigQueryOutputs<D>>;
  readonly queryTemplate: string;
  readonly pluginConfig: Readonly<BigQueryConfig>;
  readonly googleApplicationCredentials: string | undefined;

  constructor(name: string, options: BigQueryTaskOptions<I, D>) {
    const outputs = (
      options.outputDataFrameType ? { results: options.outputDataFrameType } : {}
    ) as BigQueryOutputs<D>;
    super({
      name,
      taskType: TASK_TYPE,
      interface: { inputs: options.inputs ?? ({} as I), outputs },
      retries: options.retries,
      timeout: options.timeout,
    });
    if (!options.queryTemplate?.trim())
      throw ConnectorError.badRequest(`BigQuery task "${name}" needs a queryTemplate`);
    this.queryTemplate = options.queryTemplate;
    this.pluginConfig = { ...options.pluginConfig };
    this.googleApplicationCredentials = options.googleApplicationCredentials;
    // The connector's own check, now rather than at the first run: a missing ProjectID or a query
    // config that sets what the connector sets fails here, naming the field.
    parseCustomConfig(this.customConfig(this.defaults));
  }

  override customConfig(ctx: SerializationContext): Record<string, unknown> {
    const { ProjectID, Location, QueryJobConfig, QueryParameterTypes } = this.pluginConfig;
    return {
      ...QueryJobConfig,
      ProjectID,
      Location,
      Domain: ctx.domain,
      ...(QueryParameterTypes ? { QueryParameterTypes } : {}),
      ...(this.googleApplicationCredentials
        ? { secrets: { google_application_credentials: this.googleApplicationCredentials } }
        : {}),
    };
  }

  override sql(): string {
    return this.queryTemplate;
  }
}
