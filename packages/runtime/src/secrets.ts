import { readFileSync } from "node:fs";
import path from "node:path";
import { ConnectorError } from "./errors";

/** Where secrets come from when the task's connection does not carry them. */
export interface SecretSourceOptions {
  /** Folder of mounted secret files, one file per secret name. Default `/etc/secrets`. */
  secretsDir?: string;
  /** Prefix of secret environment variables: `api_key` is read from `FLYTE_SECRET_API_KEY`. Default `FLYTE_SECRET_`. */
  envPrefix?: string;
  /** The environment to read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_SECRETS_DIR = "/etc/secrets";
export const DEFAULT_SECRET_ENV_PREFIX = "FLYTE_SECRET_";

/**
 * A task's secrets. Lookup order: the task's `connection.secrets`, then the environment variable
 * `<envPrefix><NAME>` (upper-cased, non-alphanumerics as `_`), then the file `<secretsDir>/<name>` — so a
 * deployment-wide credential works for every task. A prefix keeps secrets apart from ordinary variables
 * such as `GOOGLE_APPLICATION_CREDENTIALS`, which holds a path, not a key.
 */
export class SecretStore {
  readonly #connection: Readonly<Record<string, string>>;
  // Made when a lookup first hands out a value from outside the connection: most calls never do.
  #seen: Set<string> | undefined;
  readonly #options: SecretSourceOptions;
  readonly #active: ActiveSecrets | undefined;
  #release: (() => void) | undefined;

  /**
   * `active`: the registry of secrets in use whose values the log destination scrubs. The store joins it
   * once it holds a value (at once when the connection carries secrets) and leaves at `release()`.
   */
  constructor(
    connectionSecrets: Readonly<Record<string, string>> = {},
    options: SecretSourceOptions = {},
    active?: ActiveSecrets,
  ) {
    this.#connection = connectionSecrets;
    this.#options = options;
    this.#active = active;
    if (active && !this.empty) this.#release = active.add(this);
  }

  /** Leaves the registry of secrets in use (the call has ended). Idempotent. */
  release(): void {
    this.#release?.();
    this.#release = undefined;
  }

  /** The secret's value, or undefined when no source has it. */
  get(name: string): string | undefined {
    const value = this.#lookup(name);
    if (value !== undefined && this.#connection[name] !== value) {
      (this.#seen ??= new Set()).add(value);
      if (this.#active && !this.#release) this.#release = this.#active.add(this);
    }
    return value;
  }

  /** The secret's value; a bad-request error naming the secret (never a value) when it is missing. */
  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) {
      throw ConnectorError.badRequest(
        `secret "${name}" is required: set it in the task's connection, or as ${this.#envName(name)} or ` +
          `${path.join(this.#secretsDir, name)} on the connector`,
      );
    }
    return value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value this store holds or has handed out: what the runtime scrubs from logs and errors. */
  values(): string[] {
    const values: string[] = [];
    for (const key in this.#connection) if (this.#connection[key] !== "") values.push(this.#connection[key]);
    if (this.#seen) values.push(...this.#seen);
    return values;
  }

  /** Whether `values()` is empty: the common case, where scrubbing can be skipped. */
  get empty(): boolean {
    if (this.#seen) return false;
    for (const key in this.#connection) if (this.#connection[key] !== "") return false;
    return true;
  }

  /** Never print secret values, even by accident. */
  toJSON(): string {
    return "[SecretStore]";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "[SecretStore]";
  }

  #lookup(name: string): string | undefined {
    const fromConnection = this.#connection[name];
    if (fromConnection !== undefined && fromConnection !== "") return fromConnection;
    const fromEnv = (this.#options.env ?? process.env)[this.#envName(name)];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    return this.#readFile(name);
  }

  #envName(name: string): string {
    return (
      (this.#options.envPrefix ?? DEFAULT_SECRET_ENV_PREFIX) + name.toUpperCase().replace(/[^A-Z0-9]/g, "_")
    );
  }

  get #secretsDir(): string {
    return this.#options.secretsDir ?? DEFAULT_SECRETS_DIR;
  }

  #readFile(name: string): string | undefined {
    // Secret names are single path segments; anything else is not a secret file.
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith(".")) return undefined;
    try {
      return readFileSync(path.join(this.#secretsDir, name), "utf8").replace(/\r?\n$/, "");
    } catch {
      return undefined;
    }
  }
}

/** Secrets shorter than this are not scrubbed from text: replacing every "a" would wreck the logs. */
const MIN_SCRUB_LENGTH = 4;
export const REDACTED = "[REDACTED]";

/**
 * Replaces every known secret value in `text` (raw and JSON-escaped) with `[REDACTED]`. Used on log lines
 * and on every error message the server sends.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < MIN_SCRUB_LENGTH) continue;
    out = out.split(secret).join(REDACTED);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join(REDACTED);
  }
  return out;
}

/**
 * The secret stores of calls in flight. The log destination scrubs their values from every line: a call
 * adds its store when it starts and removes it when it ends.
 */
export class ActiveSecrets implements Iterable<string> {
  readonly #stores = new Set<SecretStore>();

  add(store: SecretStore): () => void {
    this.#stores.add(store);
    return () => this.#stores.delete(store);
  }

  get size(): number {
    return this.#stores.size;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (const store of this.#stores) yield* store.values();
  }
}
