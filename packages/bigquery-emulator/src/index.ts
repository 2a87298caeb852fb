/**
 * @flyte-connectors/bigquery-emulator — a local BigQuery v2 REST API backed by DuckDB, for tests and
 * the local stack. The unmodified `@google-cloud/bigquery` client talks to it.
 *
 * @example
 * ```ts
 * import { BigQuery } from "@google-cloud/bigquery";
 * import { startEmulator } from "@flyte-connectors/bigquery-emulator";
 *
 * process.env.METADATA_SERVER_DETECTION = "none"; // no GCE metadata probe without credentials
 * const emulator = await startEmulator({
 *   project: "local-project",
 *   data: { datasets: [{ id: "samples", tables: [{ id: "users",
 *     schema: { fields: [{ name: "id", type: "INT64" }, { name: "name", type: "STRING" }] },
 *     rows: [{ id: 1, name: "ada" }] }] }] },
 * });
 * try {
 *   const bigquery = new BigQuery({ projectId: "local-project", apiEndpoint: emulator.url });
 *   const [rows] = await bigquery.query({ query: "SELECT name FROM samples.users WHERE id = @id", params: { id: 1 } });
 *   // rows = [{ name: "ada" }]
 * } finally {
 *   await emulator.close();
 * }
 * ```
 *
 * `BIGQUERY_EMULATOR_HOST=<emulator.url>` works too. `translate` exposes the GoogleSQL → DuckDB
 * translation on its own.
 *
 * @module
 */
export {
  startEmulator,
  DEFAULT_HOST,
  DEFAULT_JOB_DELAY_MS,
  DEFAULT_PROJECT,
  type EmulatorOptions,
  type RunningEmulator,
} from "./emulator";
export type { Faults, JobFailure } from "./faults";
export {
  SeedError,
  loadSeedFile,
  validateSeed,
  type SeedData,
  type SeedDataset,
  type SeedField,
  type SeedProject,
  type SeedTable,
} from "./seed";
export { translate, type StatementType, type TranslateOptions, type Translation } from "./sql/translator";
export { SqlError } from "./sql/sql-error";
export { parseCli, COMMAND_NAME, DEFAULT_CLI_PORT, type CliOutcome } from "./cli";
