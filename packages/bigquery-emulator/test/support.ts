/**
 * Shared test helpers: an emulator per test file, closed afterwards, and clients that never probe
 * the GCE metadata server.
 */
import { BigQuery, type Job } from "@google-cloud/bigquery";
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../src/index";

// Without credentials the client would probe the metadata server before every request.
process.env.METADATA_SERVER_DETECTION = "none";

export const PROJECT = "test-project";

/** Starts an emulator before the file's tests and closes it after them. */
export function useEmulator(options: EmulatorOptions = {}): () => RunningEmulator {
  let emulator: RunningEmulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ project: PROJECT, ...options });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return () => {
    if (!emulator) throw new Error("the emulator has not started");
    return emulator;
  };
}

/** The unmodified Google client pointed at an emulator; `autoRetry: false` for error paths. */
export function client(
  emulator: RunningEmulator,
  options: { autoRetry?: boolean; projectId?: string } = {},
): BigQuery {
  return new BigQuery({
    projectId: options.projectId ?? PROJECT,
    apiEndpoint: emulator.url,
    autoRetry: options.autoRetry ?? true,
  });
}

/** Polls job metadata until DONE, returning every state seen along the way. */
export async function waitForDone(job: Job, timeoutMs = 5000): Promise<{ states: string[]; metadata: any }> {
  const states: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [metadata] = await job.getMetadata();
    const state = metadata.status.state as string;
    if (states[states.length - 1] !== state) states.push(state);
    if (state === "DONE") return { states, metadata };
    if (Date.now() > deadline)
      throw new Error(`job ${job.id} not DONE after ${timeoutMs} ms (states ${states.join(" → ")})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw HTTP call, for checking wire shapes the client hides. */
export async function http(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: string | object,
): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    ...(body !== undefined
      ? {
          body: typeof body === "string" ? body : JSON.stringify(body),
          headers: { "content-type": "application/json" },
        }
      : {}),
  });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, headers: response.headers };
}
