/**
 * A query the emulator cannot run: bad syntax, an unsupported GoogleSQL feature, or a bad parameter.
 * The job fails with reason `invalidQuery` and this message, as BigQuery reports query errors.
 */
export class SqlError extends Error {
  constructor(
    message: string,
    /** BigQuery error reason; `invalidQuery` unless the problem is with the request, not the SQL. */
    readonly reason: "invalidQuery" | "invalid" = "invalidQuery",
  ) {
    super(message);
    this.name = "SqlError";
  }
}

/** A GoogleSQL feature the emulator does not translate; the message names it. */
export function unsupported(feature: string): SqlError {
  return new SqlError(`Unsupported by the BigQuery emulator: ${feature}`);
}
