/**
 * The DuckDB database behind the emulator, with one connection used one operation at a time:
 * requests and jobs interleave freely, and a multi-statement operation (a transaction, a check
 * followed by a write) is never split by another one.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { datasetOfSchema } from "./sql/naming";

export class Database {
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** Opens a database file, or an in-memory database when no path is given. */
  static async open(path?: string): Promise<Database> {
    const instance = await DuckDBInstance.create(path ?? ":memory:");
    const connection = await instance.connect();
    // BigQuery computes in UTC and sorts NULLs first in ascending order.
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run("SET default_null_order = 'nulls_first_on_asc_last_on_desc'");
    return new Database(instance, connection);
  }

  /** Runs `work` with the connection once every earlier operation has finished. */
  run<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("the database is closed"));
    const result = this.#queue.then(() => work(this.connection));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Waits for pending operations, then closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Runs `work` in a transaction, rolled back when it throws. */
export async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run("BEGIN TRANSACTION");
  try {
    const result = await work();
    await connection.run("COMMIT");
    return result;
  } catch (error) {
    await connection.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * DuckDB's message for a failed statement, trimmed to its first paragraph (the echo of the SQL with
 * a caret points into the translated text, not the user's), with DuckDB schema names shown as the
 * BigQuery datasets they hold.
 */
export function engineMessage(error: unknown): string {
  // DuckDB's errors come from the native addon's realm, where `instanceof Error` can be false.
  const raw =
    typeof (error as { message?: unknown })?.message === "string"
      ? (error as { message: string }).message
      : String(error);
  const first = raw.split(/\n\s*\n|\nLINE \d+:/)[0]!.trim();
  return first.replace(
    /"?([a-z][a-z0-9-]*__[A-Za-z0-9_]+)"?(\."?([^".\s]+)"?)?/g,
    (match, schema: string, _rest, table?: string) => {
      const ref = datasetOfSchema(schema);
      if (!ref) return match;
      return table ? `${ref.projectId}.${ref.datasetId}.${table}` : `${ref.projectId}.${ref.datasetId}`;
    },
  );
}
