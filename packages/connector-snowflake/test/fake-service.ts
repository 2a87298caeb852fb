/**
 * A fake of the external jobs API, over real HTTP on 127.0.0.1, for tests and local runs. It keeps jobs in
 * memory and moves each one a step per poll (queued → running → succeeded), never by the clock, so tests
 * are deterministic. A job whose text is "fail" fails; a cancelled job that had not finished fails as
 * cancelled, and a finished one stays as it was.
 *
 * Faults for the conformance suite: `unavailable(true)` makes every request answer 503.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeJobState = "queued" | "running" | "succeeded" | "failed";

export interface FakeJob {
  id: string;
  text: string;
  state: FakeJobState;
  error?: string;
}

export interface FakeService {
  /** `http://127.0.0.1:<port>`: the task's endpoint. */
  readonly url: string;
  readonly jobs: ReadonlyMap<string, FakeJob>;
  /** While on, every request answers 503, as during an outage. */
  unavailable(on: boolean): void;
  close(): Promise<void>;
}

export async function startFakeService(options: { apiKey: string; port?: number }): Promise<FakeService> {
  const jobs = new Map<string, FakeJob>();
  const byIdempotencyKey = new Map<string, string>();
  let down = false;
  let next = 0;

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    for await (const chunk of req) raw += String(chunk);
    if (down) return send(res, 503, { error: "unavailable" });
    if (req.headers.authorization !== `Bearer ${options.apiKey}`)
      return send(res, 401, { error: "bad api key" });
    const [, jobs_, id] = (req.url ?? "").split("?")[0].split("/");
    if (jobs_ !== "jobs") return send(res, 404, { error: "no such route" });

    if (req.method === "POST" && !id) {
      let input: unknown;
      try {
        input = (JSON.parse(raw) as { input?: unknown }).input;
      } catch {
        return send(res, 400, { error: "body must be JSON" });
      }
      if (typeof input !== "string") return send(res, 400, { error: "input must be a string" });
      const key = req.headers["idempotency-key"];
      const known = typeof key === "string" ? byIdempotencyKey.get(key) : undefined;
      if (known) return send(res, 200, { id: known });
      const job: FakeJob = { id: `job-${++next}`, text: input, state: "queued" };
      jobs.set(job.id, job);
      if (typeof key === "string") byIdempotencyKey.set(key, job.id);
      return send(res, 201, { id: job.id });
    }
    const job = id ? jobs.get(decodeURIComponent(id)) : undefined;
    if (!job) return send(res, 404, { error: "no such job" });
    if (req.method === "GET") {
      // Each poll answers the current state, then moves the job a step on.
      const answer = { id: job.id, state: job.state, ...result(job) };
      if (job.state === "queued") job.state = "running";
      else if (job.state === "running") {
        job.state = job.text === "fail" ? "failed" : "succeeded";
        if (job.state === "failed") job.error = "the input said so";
      }
      return send(res, 200, answer);
    }
    if (req.method === "DELETE") {
      if (job.state === "queued" || job.state === "running") {
        job.state = "failed";
        job.error = "cancelled";
      }
      return send(res, 204);
    }
    return send(res, 405, { error: "method not allowed" });
  };

  const result = (job: FakeJob) =>
    job.state === "succeeded" ? { result: job.text.toUpperCase() } : job.error ? { error: job.error } : {};

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: "fake service error" }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    jobs,
    unavailable: (on) => {
      down = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
