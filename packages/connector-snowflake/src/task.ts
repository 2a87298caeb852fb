import {
  AsyncConnectorExecutorMixin,
  ConfigurationError,
  TaskTemplate,
  type DataFrame,
  type Duration,
  type TaskInterface,
  type TypeShape,
  type TypeToken,
} from "@flyte-connectors/runtime";
import { PASSPHRASE_SECRET, PRIVATE_KEY_SECRET } from "./auth";
import { TASK_TYPE } from "./connector";
import { foldQuery } from "./query";

/**
 * Where the query runs: the Python plugin's `SnowflakeConfig`, field for field. `connection_kwargs` carries
 * the rest of the connection (role, session_parameters, ...; `authenticator: "oauth"` with `token` for
 * OAuth instead of a key pair).
 */
export interface SnowflakeConfig {
  account: string;
  database: string;
  schema: string;
  warehouse: string;
  user: string;
  connection_kwargs?: Record<string, unknown>;
}

export interface SnowflakeTaskOptions<I extends TypeShape, D extends TypeToken<DataFrame> | undefined> {
  /** The SQL, with `%(name)s` placeholders for inputs. Folded to one line, as the Python plugin does. */
  queryTemplate: string;
  pluginConfig: SnowflakeConfig;
  /** Inputs by name and type; each binds its `%(name)s` placeholders. With `batch`, each is a list. */
  inputs?: I;
  /** Declare it (`types.dataframe`) to receive output `results`: a DataFrame `snowflake://user/account/warehouse/database/schema/query_id`. */
  outputDataFrameType?: D;
  /** Group of the secrets: the environment variable is `{secretGroup}_{key}`, upper case, `-` as `_`. */
  secretGroup?: string;
  /** The secret key holding the PEM private key (key-pair authentication). */
  snowflakePrivateKey?: string;
  /** The secret key holding the private key's passphrase, if it is encrypted. */
  snowflakePrivateKeyPassphrase?: string;
  /** List inputs expand the query's one `VALUES (...)` clause into a multi-row insert. */
  batch?: boolean;
  retries?: number;
  timeout?: number | Duration;
}

const toEnvVar = (group: string | undefined, key: string) =>
  (group ? `${group}_${key}` : key).replace(/-/g, "_").toUpperCase();

function secretsOf(o: {
  secretGroup?: string;
  snowflakePrivateKey?: string;
  snowflakePrivateKeyPassphrase?: string;
}): Record<string, string> {
  const secrets: Record<string, string> = {};
  if (o.snowflakePrivateKey !== undefined)
    secrets[PRIVATE_KEY_SECRET] = toEnvVar(o.secretGroup, o.snowflakePrivateKey);
  if (o.snowflakePrivateKeyPassphrase !== undefined) {
    secrets[PASSPHRASE_SECRET] = toEnvVar(o.secretGroup, o.snowflakePrivateKeyPassphrase);
  }
  return secrets;
}

export type SnowflakeOutputs<D> = D extends TypeToken<DataFrame> ? { results: D } : Record<never, never>;

/**
 * A Snowflake SQL task: the Python plugin's `Snowflake` task in TypeScript. It writes the template the
 * Python plugin writes (task type `snowflake`, custom `account` / `database` / `schema` / `warehouse` /
 * `user`, `batch`, `connection_kwargs`, `secrets`; the query folded to one line as `sql.statement`), so
 * the same connector runs tasks from either SDK.
 *
 * Note, as in Python: folding whitespace turns a `--` comment into one that ends the query; use `/* *\/`.
 *
 * @example
 * ```ts
 * const active = new SnowflakeTask("active_users", {
 *   queryTemplate: "SELECT USER_ID, NAME FROM USERS WHERE SIGNUP_DATE >= %(since)s",
 *   pluginConfig: { account: "myorg-acct", user: "FLYTE", database: "SAMPLES", schema: "PUBLIC", warehouse: "WH" },
 *   inputs: { since: types.string },
 *   outputDataFrameType: types.dataframe,
 *   snowflakePrivateKey: "snowflake_private_key",   // read from SNOWFLAKE_PRIVATE_KEY locally
 * });
 * const { results } = await active.execute({ since: "2024-02-01" });
 * ```
 */
export class SnowflakeTask<
  I extends TypeShape = Record<never, never>,
  D extends TypeToken<DataFrame> | undefined = undefined,
> extends AsyncConnectorExecutorMixin(TaskTemplate) {
  declare readonly interface: TaskInterface<I, SnowflakeOutputs<D>>;
  readonly queryTemplate: string;
  readonly pluginConfig: Readonly<SnowflakeConfig>;
  readonly batch: boolean;
  readonly secretGroup: string | undefined;
  readonly snowflakePrivateKey: string | undefined;
  readonly snowflakePrivateKeyPassphrase: string | undefined;

  constructor(name: string, options: SnowflakeTaskOptions<I, D>) {
    const outputs = (
      options.outputDataFrameType ? { results: options.outputDataFrameType } : {}
    ) as SnowflakeOutputs<D>;
    super({
      name,
      taskType: TASK_TYPE,
      interface: { inputs: options.inputs ?? ({} as I), outputs },
      retries: options.retries,
      timeout: options.timeout,
      // Secret name → environment variable: what execute() reads them from on this machine.
      secrets: secretsOf(options),
    });
    if (!options.queryTemplate?.trim())
      throw new ConfigurationError(`Snowflake task "${name}" needs a queryTemplate`);
    const config = options.pluginConfig;
    for (const key of ["account", "database", "schema", "warehouse", "user"] as const) {
      if (typeof config?.[key] !== "string" || !config[key]) {
        throw new ConfigurationError(`Snowflake task "${name}": pluginConfig.${key} is required`);
      }
    }
    this.queryTemplate = foldQuery(options.queryTemplate);
    this.pluginConfig = { ...config };
    this.batch = options.batch ?? false;
    this.secretGroup = options.secretGroup;
    this.snowflakePrivateKey = options.snowflakePrivateKey;
    this.snowflakePrivateKeyPassphrase = options.snowflakePrivateKeyPassphrase;
  }

  /** The Python plugin's `_to_env_var`: `{group}_{key}` (or the key), `-` as `_`, upper case. */
  toEnvVar(key: string): string {
    return toEnvVar(this.secretGroup, key);
  }

  /** The Python plugin's `custom_config`, key for key and in its order. */
  override customConfig(): Record<string, unknown> {
    const { account, database, schema, warehouse, user, connection_kwargs } = this.pluginConfig;
    const secrets = secretsOf(this);
    return {
      account,
      database,
      schema,
      warehouse,
      user,
      ...(this.batch ? { batch: true } : {}),
      ...(connection_kwargs && Object.keys(connection_kwargs).length ? { connection_kwargs } : {}),
      ...(Object.keys(secrets).length ? { secrets } : {}),
    };
  }

  override sql(): string {
    return this.queryTemplate;
  }
}
