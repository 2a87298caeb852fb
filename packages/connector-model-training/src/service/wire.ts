/**
 * The model-training service's HTTP contract: the JSON shapes on the wire, in the service's snake_case.
 * The connector and the reference service both speak exactly these.
 */
import { z } from "zod";

/** Where a training job is in its life. `finished`, `failed` and `cancelled` are final. */
export type TrainingJobStatus = "queued" | "running" | "finished" | "failed" | "cancelled";

export const TERMINAL_STATUSES: ReadonlySet<TrainingJobStatus> = new Set(["finished", "failed", "cancelled"]);

export function isTerminalStatus(status: TrainingJobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Upper bound on `epochs`, so one request cannot occupy the service for days. */
export const MAX_EPOCHS = 10_000;

/** `POST {endpoint}` body. */
export interface CreateJobRequest {
  dataset_uri: string;
  epochs: number;
}

/** `POST {endpoint}` answer: 201 for a new job, 200 when the `Idempotency-Key` already named one. */
export interface CreateJobResponse {
  job_id: string;
}

export interface JobProgress {
  /** Epochs completed so far. */
  epoch: number;
  epochs: number;
  /** Training loss after `epoch`; decreases from epoch to epoch. */
  loss: number;
}

/** `GET {endpoint}/{job_id}` answer (also the body of a successful `DELETE`). */
export interface JobView {
  job_id: string;
  status: TrainingJobStatus;
  /** `file://` URI of the trained model, once `finished`. */
  results?: string;
  /** Why the job failed, once `failed`. */
  error?: string;
  /** Present once the first epoch has completed. */
  progress?: JobProgress;
}

export interface LogLine {
  /** ISO 8601. */
  timestamp: string;
  message: string;
}

/**
 * `GET {endpoint}/{job_id}/logs?token=` answer. Pass `next_token` back to read on; an empty `next_token`
 * means the job is final and every line has been read. Tokens are opaque to clients.
 */
export interface LogsPage {
  lines: LogLine[];
  next_token: string;
}

/** Every 4xx/5xx answer. */
export interface ErrorResponse {
  error: string;
}

/** Validates a `POST {endpoint}` body; unknown fields are ignored. Messages name the field. */
export const createJobRequestSchema = z.object(
  {
    dataset_uri: z
      .string({ error: "dataset_uri is required and must be a string" })
      .min(1, { error: "dataset_uri must not be empty" }),
    epochs: z
      .number({ error: "epochs is required and must be a number" })
      .int({ error: "epochs must be an integer" })
      .min(1, { error: "epochs must be at least 1" })
      .max(MAX_EPOCHS, { error: `epochs must be at most ${MAX_EPOCHS}` }),
  },
  { error: "request body must be a JSON object" },
);
