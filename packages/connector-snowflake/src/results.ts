/**
 * Reading a query's result back through its `snowflake://user/account/warehouse/database/schema/query_id`
 * URI: the SQL API keeps a statement's result set (for 24 hours on Snowflake) under its handle.
 */
import type { z as Zod } from "zod";
import { ConnectorError, parseAnswer } from "@flyte-connectors/runtime";
import { jwtAccount, keyPairJwt, privateKeyOf } from "./auth";
import { apiUrlOf } from "./connector";

export interface ReadResultsOptions {
  /** The PEM private key of the URI's user (or of another user allowed to read the result). */
  privateKey: string;
  passphrase?: string;
  /** The SQL API's base URL. Default: `SNOWFLAKE_API_URL`, else `https://{account}.snowflakecomputing.com`. */
  apiUrl?: string;
  signal?: AbortSignal;
}

export interface ResultSet {
  /** Column names and Snowflake types, in order. */
  columns: Array<{ name: string; type: string }>;
  /** Rows keyed by column name; values as the SQL API's strings (dates as days since the epoch). */
  rows: Array<Record<string, string | null>>;
}

/** Built on first use, as the connector's schemas are (loading this package loads no zod). */
function buildResultAnswer(z: typeof Zod) {
  return z.object({
    resultSetMetaData: z
      .object({
        rowType: z.array(z.object({ name: z.string(), type: z.string() })),
        partitionInfo: z.array(z.object({ rowCount: z.number() })).optional(),
      })
      .optional(),
    data: z.array(z.array(z.string().nullable())),
  });
}
let resultAnswer: ReturnType<typeof buildResultAnswer> | undefined;

/** Parses a `snowflake://` URI as the connector writes it. */
export function parseResultsUri(uri: string): {
  user: string;
  account: string;
  warehouse: string;
  database: string;
  schema: string;
  queryId: string;
} {
  const match = /^snowflake:\/\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri);
  if (!match)
    throw ConnectorError.badRequest(
      `${JSON.stringify(uri)} is not snowflake://user/account/warehouse/database/schema/query_id`,
    );
  const [, user, account, warehouse, database, schema, queryId] = match as unknown as string[];
  return {
    user: user!,
    account: account!,
    warehouse: warehouse!,
    database: database!,
    schema: schema!,
    queryId: queryId!,
  };
}

/** Reads every partition of the result set a `snowflake://` URI names. */
export async function readResults(uri: string, options: ReadResultsOptions): Promise<ResultSet> {
  const ref = parseResultsUri(uri);
  const base = options.apiUrl?.replace(/\/+$/, "") ?? apiUrlOf(ref.account);
  const key = privateKeyOf(options.privateKey, options.passphrase);
  const headers = {
    authorization: `Bearer ${await keyPairJwt(jwtAccount(ref.account), ref.user, key)}`,
    "x-snowflake-authorization-token-type": "KEYPAIR_JWT",
    accept: "application/json",
  };
  const page = async (partition: number) => {
    const response = await fetch(
      `${base}/api/v2/statements/${encodeURIComponent(ref.queryId)}?partition=${partition}`,
      {
        headers,
        signal: options.signal,
      },
    );
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status !== 200) {
      const words = (body as { message?: unknown })?.message;
      throw ConnectorError.unavailable(
        `cannot read ${uri}: HTTP ${response.status}${typeof words === "string" ? `: ${words}` : ""}`,
      );
    }
    const parsed = parseAnswer(
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (resultAnswer ??= buildResultAnswer((require("zod") as { z: typeof Zod }).z)),
      body,
    );
    if (!parsed.ok) throw ConnectorError.unavailable(`cannot read ${uri}: ${parsed.problem}`);
    return parsed.value;
  };
  const first = await page(0);
  const columns = first.resultSetMetaData?.rowType.map((c) => ({ name: c.name, type: c.type })) ?? [];
  const data = [...first.data];
  const partitions = first.resultSetMetaData?.partitionInfo?.length ?? 1;
  for (let p = 1; p < partitions; p++) data.push(...(await page(p)).data);
  return {
    columns,
    rows: data.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i] ?? null]))),
  };
}
