import type { AsyncConnector, TaskCategory } from "./connector";
import { ConfigurationError, ConnectorError } from "./errors";
import { clip } from "./answers";

/** A connector as the registry holds it; the meta type is erased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyConnector = AsyncConnector<any>;

/** A connector's name and the task types it serves, as `ListConnectors` reports them. */
export interface ConnectorInfo {
  name: string;
  taskCategories: TaskCategory[];
}

export interface RegisterOptions {
  /** Replace a connector already registered for the same task type and version. Default false. */
  override?: boolean;
}

function keyOf(category: TaskCategory): string {
  return `${category.name}@${category.version}`;
}

/**
 * Connectors keyed by (task type, version). Instances, not a hidden global: the server and the executor
 * each take one. `defaultRegistry` exists for modules that register on import.
 */
export class ConnectorRegistry {
  readonly #connectors = new Map<string, AnyConnector>();
  // The same connectors by task type name, then version: a lookup builds no key string (every GetTask
  // looks one up).
  readonly #byName = new Map<string, Map<number, AnyConnector>>();
  #revision = 0;

  constructor(connectors: Iterable<AnyConnector> = []) {
    for (const c of connectors) this.register(c);
  }

  /** Adds a connector; a second one for the same task type and version is an error unless `override`. */
  register(connector: AnyConnector, options: RegisterOptions = {}): this {
    validateConnector(connector);
    const key = keyOf(connector.taskCategory);
    const existing = this.#connectors.get(key);
    if (existing && existing !== connector && !options.override) {
      throw new ConfigurationError(
        `task type "${connector.taskTypeName}" version ${connector.taskTypeVersion} is already served by ` +
          `"${existing.name}"; pass { override: true } to replace it`,
      );
    }
    this.#connectors.set(key, connector);
    const { name, version } = connector.taskCategory;
    let versions = this.#byName.get(name);
    if (!versions) this.#byName.set(name, (versions = new Map()));
    versions.set(version, connector);
    this.#revision++;
    return this;
  }

  /** The connector for a task type, or a not-found error listing what is registered. */
  get(category: TaskCategory): AnyConnector {
    const connector = this.find(category);
    if (!connector) {
      const known = [...this.#connectors.keys()].join(", ") || "none";
      // The name comes from the request: bounded, so a huge one cannot make a huge message.
      throw ConnectorError.notFound(
        `no connector for task type ${JSON.stringify(clip(String(category.name), 200))} version ${category.version} ` +
          `(registered: ${known})`,
      );
    }
    return connector;
  }

  /** Changes whenever a connector is registered: lets callers cache what they derive from the registry. */
  get revision(): number {
    return this.#revision;
  }

  find(category: TaskCategory): AnyConnector | undefined {
    return this.#byName.get(category.name)?.get(category.version);
  }

  has(category: TaskCategory): boolean {
    return this.find(category) !== undefined;
  }

  list(): AnyConnector[] {
    return [...this.#connectors.values()];
  }

  /** Connectors grouped by name, each with every task type it serves, in registration order. */
  info(): ConnectorInfo[] {
    const byName = new Map<string, ConnectorInfo>();
    for (const c of this.#connectors.values()) {
      const entry = byName.get(c.name) ?? { name: c.name, taskCategories: [] };
      entry.taskCategories.push(c.taskCategory);
      byName.set(c.name, entry);
    }
    return [...byName.values()];
  }

  get size(): number {
    return this.#connectors.size;
  }
}

function validateConnector(connector: AnyConnector): void {
  const problems: string[] = [];
  if (!connector || typeof connector !== "object") throw new ConfigurationError("not a connector instance");
  if (typeof connector.name !== "string" || !connector.name) problems.push("name must be a non-empty string");
  if (typeof connector.taskTypeName !== "string" || !connector.taskTypeName) {
    problems.push("taskTypeName must be a non-empty string");
  }
  if (!Number.isInteger(connector.taskTypeVersion) || connector.taskTypeVersion < 0) {
    problems.push("taskTypeVersion must be a non-negative integer");
  }
  for (const method of ["create", "get", "delete"] as const) {
    if (typeof connector[method] !== "function") problems.push(`${method}() is missing`);
  }
  if (
    !connector.metadata ||
    typeof connector.metadata.encode !== "function" ||
    typeof connector.metadata.decode !== "function"
  ) {
    problems.push("metadata must be a codec with encode() and decode()");
  }
  if (problems.length) {
    throw new ConfigurationError(
      `invalid connector ${JSON.stringify(connector.name ?? "?")}: ${problems.join("; ")}`,
    );
  }
}

/** The registry modules register into on import, as Python connector modules do. */
export const defaultRegistry = new ConnectorRegistry();
