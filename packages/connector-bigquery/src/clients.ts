import { createHash } from "node:crypto";
import type { BigQuery, BigQueryOptions } from "@google-cloud/bigquery";
import { ConnectorError } from "@flyte-connectors/runtime";

type GoogleBigQuery = typeof import("@google-cloud/bigquery");
let sdk: GoogleBigQuery | undefined;

/**
 * The Google client, loaded on first use: it takes a third to half a second to load, which every
 * `flyte-connector serve` that discovers this package would pay at start even if no BigQuery task ever
 * comes. Only type imports of it may appear at the top of any module of this package.
 */
function googleBigQuery(): GoogleBigQuery {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy, see above
  sdk ??= require("@google-cloud/bigquery") as GoogleBigQuery;
  return sdk;
}

export interface ClientKey {
  project: string;
  location: string | undefined;
  userAgent: string;
  /** Service-account JSON, or undefined for application default credentials. */
  credentials: string | undefined;
}

export interface ClientCacheOptions {
  /** Most clients kept; the least recently used goes first. Default 32. */
  maxClients?: number;
  /** BigQuery API root, e.g. an emulator's `http://127.0.0.1:9050`. Default: `BIGQUERY_EMULATOR_HOST`, else Google. */
  apiEndpoint?: string;
  /**
   * Retries inside the Google client for one request (429 and 5xx). Kept small: a call answers before the
   * backend's deadline whatever the client is still doing, and `get` reports "not yet" rather than
   * retrying for long. 0 turns them off. Default 2.
   */
  maxRetries?: number;
}

/**
 * BigQuery clients cached per (project, location, user agent, credential), bounded, so a connector
 * serving many projects doesn't build a client (and an auth client) per call. Keys hold a hash of the
 * credential, never the credential itself. The first `get` loads the Google client.
 */
export class BigQueryClients {
  readonly #clients = new Map<string, BigQuery>();
  readonly #max: number;
  readonly #options: ClientCacheOptions;

  constructor(options: ClientCacheOptions = {}) {
    this.#max = options.maxClients ?? 32;
    this.#options = options;
  }

  get size(): number {
    return this.#clients.size;
  }

  get(key: ClientKey): BigQuery {
    const id = [
      key.project,
      key.location ?? "",
      key.userAgent,
      key.credentials ? sha256(key.credentials) : "adc",
    ].join("|");
    const cached = this.#clients.get(id);
    if (cached) {
      // Re-insert: Map order is the recency order.
      this.#clients.delete(id);
      this.#clients.set(id, cached);
      return cached;
    }
    const client = new (googleBigQuery().BigQuery)(this.#clientOptions(key));
    this.#clients.set(id, client);
    while (this.#clients.size > this.#max) this.#clients.delete(this.#clients.keys().next().value as string);
    return client;
  }

  #clientOptions(key: ClientKey): BigQueryOptions {
    const maxRetries = this.#options.maxRetries ?? 2;
    const options: BigQueryOptions = {
      projectId: key.project,
      location: key.location,
      userAgent: key.userAgent,
      retryOptions: {
        // The client ignores `maxRetries: 0`; turning retries off is how to get none.
        autoRetry: maxRetries > 0,
        maxRetries,
        // Seconds. Retries outlive a call the connector stopped waiting for; this ends them.
        totalTimeout: 20,
        maxRetryDelay: 4,
      },
    };
    const endpoint = this.#options.apiEndpoint;
    if (endpoint) options.apiEndpoint = endpoint;
    if (key.credentials) options.credentials = parseServiceAccount(key.credentials);
    return options;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The fields of a service-account key the client needs; an error that never echoes the key. */
export function parseServiceAccount(json: string): { client_email: string; private_key: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw ConnectorError.badRequest("the google_application_credentials secret is not valid JSON");
  }
  const key = parsed as { client_email?: unknown; private_key?: unknown; type?: unknown };
  if (typeof key.client_email !== "string" || typeof key.private_key !== "string") {
    throw ConnectorError.badRequest(
      "the google_application_credentials secret must be a service-account key (client_email and private_key)",
    );
  }
  return { client_email: key.client_email, private_key: key.private_key };
}
