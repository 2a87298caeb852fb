/**
 * @flyte-connectors/snowflake-emulator — a local stand-in for the Snowflake SQL API v2 over real HTTP,
 * on an in-memory DuckDB: `POST /api/v2/statements` (sync, or `async=true`; deduplicated by `requestId`
 * with `retry=true`; `?` bindings), `GET /api/v2/statements/{handle}` (202 running, 200 with the result set
 * in the SQL API's shape, 422 with Snowflake's error), `POST .../{handle}/cancel`, behind key-pair JWT
 * (or OAuth) authentication. Async statements answer 202 for `runningPolls` GETs before they run:
 * stepped per poll, never by the clock, so tests are deterministic.
 *
 * @example
 * ```ts
 * import { startSnowflakeEmulator } from "@flyte-connectors/snowflake-emulator";
 *
 * const emulator = await startSnowflakeEmulator({
 *   users: [{ account: "LOCAL", user: "FLYTE", publicKey: publicKeyPem }],
 *   seed: { databases: [{ name: "SAMPLES", schemas: [{ name: "PUBLIC", tables: [] }] }] },
 * });
 * emulator.faults.unavailable(2);   // the next two requests answer 503
 * // SNOWFLAKE_API_URL=emulator.url for the connector
 * await emulator.close();
 * ```
 *
 * The `snowflake-emulator` bin serves it on 127.0.0.1:9070 (`--help` for options).
 *
 * @module
 */
export {
  DEFAULT_HOST,
  STATEMENTS_PATH,
  startSnowflakeEmulator,
  type RunningSnowflakeEmulator,
  type SnowflakeEmulatorOptions,
  type StatementStatus,
  type StatementView,
  type Submission,
} from "./emulator";
export {
  AuthError,
  Authenticator,
  jwtAccount,
  publicKeyFingerprint,
  type KeyPairUser,
  type Principal,
} from "./auth";
export { FaultState, type FaultKind, type Faults } from "./faults";
export {
  BINDING_TYPES,
  SNOWFLAKE_MACROS,
  SnowflakeSqlError,
  bindStatement,
  cellOf,
  placeholderOffsets,
  type Binding,
  type RowType,
} from "./sql";
export {
  SeedError,
  applySeed,
  duckTypeOf,
  loadSeedFile,
  validateSeed,
  type SeedData,
  type SeedDatabase,
  type SeedSchema,
  type SeedTable,
} from "./seed";
export {
  COMMAND_NAME,
  DEFAULT_CLI_PORT,
  USAGE_EXIT_CODE,
  parseCli,
  packageVersion,
  type CliOptions,
  type CliOutcome,
  type LogFormat,
  type PublicKeyFlag,
} from "./cli";
