/**
 * @flyte-connectors/databricks-emulator — a local stand-in for the Databricks Jobs API 2.1 over real HTTP:
 * `runs/submit` (deduplicated by `idempotency_token`), `runs/get`, `runs/get-output`, `runs/cancel`,
 * `runs/list`, behind a bearer-token check. Runs go PENDING → RUNNING → their scripted end one step per
 * `runs/get` poll, never by the clock, so tests are deterministic.
 *
 * @example
 * ```ts
 * import { startDatabricksEmulator } from "@flyte-connectors/databricks-emulator";
 *
 * const emulator = await startDatabricksEmulator({ token: "dapi-test" });
 * emulator.scriptNextRuns("failure");          // the next run fails with an error trace
 * emulator.faults.rateLimited(2, 1);           // two 429s with Retry-After: 1
 * // point a client at emulator.url ("http://127.0.0.1:<port>") with "Authorization: Bearer dapi-test"
 * await emulator.close();
 * ```
 *
 * The `databricks-emulator` bin serves it on 127.0.0.1:9060 (`--help` for options).
 *
 * @module
 */
export {
  API_PREFIXES,
  DEFAULT_HOST,
  startDatabricksEmulator,
  type DatabricksEmulatorOptions,
  type RunView,
  type RunningDatabricksEmulator,
} from "./emulator";
export { FaultState, type FaultKind, type Faults } from "./faults";
export { OUTCOMES, TASK_KINDS, type RunOutcome, type RunState } from "./runs";
export {
  COMMAND_NAME,
  DEFAULT_CLI_PORT,
  DEFAULT_CLI_TOKEN,
  USAGE_EXIT_CODE,
  parseCli,
  packageVersion,
  type CliOutcome,
  type LogFormat,
} from "./cli";
