import axios, { type AxiosResponse } from "axios";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import pino from "pino";
import {
  startTrainingService,
  type JobView,
  type LogLine,
  type LogsPage,
  type TrainingService,
  type TrainingServiceOptions,
} from "../src/service";

const http = axios.create({ validateStatus: () => true });
const FAST = { epochMs: 20, queueMs: 20 } satisfies TrainingServiceOptions;
const BODY = { dataset_uri: "gs://bucket/dataset.csv", epochs: 3 };

const started: TrainingService[] = [];
async function start(options: TrainingServiceOptions = {}): Promise<TrainingService> {
  const service = await startTrainingService({ ...FAST, ...options });
  started.push(service);
  return service;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.close()));
});

async function createJob(
  service: TrainingService,
  body: object = BODY,
  headers: Record<string, string> = {},
) {
  const response = await http.post<{ job_id: string }>(service.endpoint, body, { headers });
  expect([200, 201]).toContain(response.status);
  return response.data.job_id;
}

/** Polls a job until `done` says so; every status seen on the way is returned, in order, without repeats. */
async function pollJob(
  service: TrainingService,
  id: string,
  done: (view: JobView) => boolean,
  headers: Record<string, string> = {},
): Promise<{ view: JobView; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    const response = await http.get<JobView>(`${service.endpoint}/${id}`, { headers });
    expect(response.status).toBe(200);
    if (seen.at(-1) !== response.data.status) seen.push(response.data.status);
    if (done(response.data)) return { view: response.data, seen };
    if (Date.now() > deadline)
      throw new Error(`job ${id} still ${response.data.status}; saw ${seen.join(" → ")}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const isFinal = (view: JobView) => ["finished", "failed", "cancelled"].includes(view.status);

async function readAllLogs(
  service: TrainingService,
  id: string,
): Promise<{ lines: LogLine[]; pages: number }> {
  const lines: LogLine[] = [];
  let token = "";
  let pages = 0;
  do {
    const response: AxiosResponse<LogsPage> = await http.get(`${service.endpoint}/${id}/logs`, {
      params: { token },
    });
    expect(response.status).toBe(200);
    lines.push(...response.data.lines);
    token = response.data.next_token;
    pages += 1;
    if (pages > 100) throw new Error("logs never ended");
  } while (token !== "");
  return { lines, pages };
}

function captureLogs(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { logger: pino({ level: "trace" }, stream), text: () => chunks.join("") };
}

describe("model-training service", () => {
  test("answers /healthz and exposes its address", async () => {
    const service = await start();
    expect(service.url).toBe(`http://127.0.0.1:${service.port}`);
    expect(service.endpoint).toBe(`${service.url}/train`);
    const response = await http.get(`${service.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ status: "ok" });
  });

  test("a job goes queued → running → finished and writes a model file", async () => {
    // Wide enough windows that a poll sees every status even on a busy machine.
    const service = await start({ epochMs: 40, queueMs: 100 });
    const created = await http.post(service.endpoint, { dataset_uri: "gs://bucket/data.csv", epochs: 4 });
    expect(created.status).toBe(201);
    const id: string = created.data.job_id;
    expect(id).toMatch(/^job-/);
    expect(created.headers.location).toBe(`/train/${id}`);

    const { view, seen } = await pollJob(service, id, isFinal);
    expect(seen).toEqual(["queued", "running", "finished"]);
    expect(view.job_id).toBe(id);
    expect(view.progress).toEqual({ epoch: 4, epochs: 4, loss: expect.any(Number) });
    expect(view.results).toMatch(/^file:\/\//);
    const modelPath = fileURLToPath(view.results!);
    expect(path.dirname(modelPath)).toBe(service.modelsDir);
    expect(path.basename(modelPath)).toContain(id);
    const model = JSON.parse(readFileSync(modelPath, "utf8"));
    expect(model).toMatchObject({ job_id: id, dataset_uri: "gs://bucket/data.csv", epochs: 4 });

    expect(service.jobs()).toEqual([
      expect.objectContaining({
        id,
        status: "finished",
        epoch: 4,
        idempotencyKey: undefined,
        createRequests: 1,
      }),
    ]);
  });

  test("progress is reported while running and the loss decreases", async () => {
    const service = await start({ epochMs: 40, queueMs: 10 });
    const id = await createJob(service, { dataset_uri: "gs://b/d", epochs: 3 });
    const losses: number[] = [];
    await pollJob(service, id, (view) => {
      if (view.progress && losses.at(-1) !== view.progress.loss) losses.push(view.progress.loss);
      if (view.status === "running" && view.progress) expect(view.progress.epoch).toBeLessThanOrEqual(3);
      return isFinal(view);
    });
    // Polling may miss an epoch on a busy machine; the log test checks every one.
    expect(losses.length).toBeGreaterThanOrEqual(2);
    expect([...losses].sort((a, b) => b - a)).toEqual(losses);
    expect(new Set(losses).size).toBe(losses.length);
  });

  test("models go to --models-dir, which close() leaves in place; a temporary one is removed", async () => {
    const modelsDir = mkdtempSync(path.join(tmpdir(), "models-test-"));
    try {
      const own = await start({ modelsDir });
      const id = await createJob(own, { dataset_uri: "gs://b/d", epochs: 1 });
      const { view } = await pollJob(own, id, isFinal);
      expect(fileURLToPath(view.results!)).toBe(path.join(modelsDir, `${id}.model.json`));
      await own.close();
      expect(existsSync(fileURLToPath(view.results!))).toBe(true);

      const temporary = await start();
      expect(existsSync(temporary.modelsDir)).toBe(true);
      await temporary.close();
      expect(existsSync(temporary.modelsDir)).toBe(false);
    } finally {
      rmSync(modelsDir, { recursive: true, force: true });
    }
  });

  describe("idempotency", () => {
    test("the same key returns the same job with 200; another key or no key makes a new job", async () => {
      const service = await start();
      const first = await http.post(service.endpoint, BODY, { headers: { "Idempotency-Key": "attempt-1" } });
      const again = await http.post(service.endpoint, BODY, { headers: { "Idempotency-Key": "attempt-1" } });
      expect(first.status).toBe(201);
      expect(again.status).toBe(200);
      expect(again.data.job_id).toBe(first.data.job_id);

      const other = await http.post(service.endpoint, BODY, { headers: { "Idempotency-Key": "attempt-2" } });
      expect(other.status).toBe(201);
      expect(other.data.job_id).not.toBe(first.data.job_id);

      const keyless1 = await http.post(service.endpoint, BODY);
      const keyless2 = await http.post(service.endpoint, BODY);
      expect(keyless1.status).toBe(201);
      expect(keyless2.status).toBe(201);
      expect(keyless1.data.job_id).not.toBe(keyless2.data.job_id);

      const jobs = service.jobs();
      expect(jobs).toHaveLength(4);
      expect(jobs.find((job) => job.id === first.data.job_id)).toMatchObject({
        idempotencyKey: "attempt-1",
        createRequests: 2,
      });
      expect(service.requests.POST).toBe(5);
    });

    test("concurrent requests with one key make one job", async () => {
      const service = await start();
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          http.post(service.endpoint, BODY, { headers: { "Idempotency-Key": "race" } }),
        ),
      );
      expect(new Set(responses.map((r) => r.data.job_id)).size).toBe(1);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(service.jobs()).toHaveLength(1);
    });

    test("a key reused with a different body is rejected with 422", async () => {
      const service = await start();
      await createJob(service, BODY, { "Idempotency-Key": "k" });
      const conflict = await http.post(
        service.endpoint,
        { ...BODY, epochs: 7 },
        { headers: { "Idempotency-Key": "k" } },
      );
      expect(conflict.status).toBe(422);
      expect(conflict.data.error).toMatch(/Idempotency-Key/);
      expect(service.jobs()).toHaveLength(1);
    });

    test("an empty or overlong key is a bad request", async () => {
      const service = await start();
      for (const key of ["", "k".repeat(256)]) {
        const response = await http.post(service.endpoint, BODY, { headers: { "Idempotency-Key": key } });
        expect(response.status).toBe(400);
        expect(response.data.error).toMatch(/Idempotency-Key/);
      }
      expect(service.jobs()).toHaveLength(0);
    });
  });

  describe("unknown jobs and routes", () => {
    test("GET, DELETE and logs of an unknown job answer 404 job not found", async () => {
      const service = await start();
      const unknown = `${service.endpoint}/job-does-not-exist`;
      for (const response of [
        await http.get(unknown),
        await http.delete(unknown),
        await http.get(`${unknown}/logs`),
      ]) {
        expect(response.status).toBe(404);
        expect(response.data).toEqual({ error: "job not found" });
      }
    });

    test("other paths answer 404 and other methods 405 with Allow", async () => {
      const service = await start();
      expect((await http.get(`${service.url}/nowhere`)).status).toBe(404);
      expect((await http.get(`${service.endpoint}/a/b/c`)).status).toBe(404);
      const put = await http.put(service.endpoint, BODY);
      expect(put.status).toBe(405);
      expect(put.headers.allow).toBe("POST");
      expect(service.requests).toMatchObject({ GET: 2, POST: 0, other: 1, total: 3 });
    });

    test("a custom base path moves the endpoint", async () => {
      const service = await start({ basePath: "v1/training/" });
      expect(service.endpoint).toBe(`${service.url}/v1/training`);
      const id = await createJob(service);
      expect((await http.get(`${service.url}/v1/training/${id}`)).status).toBe(200);
      expect((await http.post(`${service.url}/train`, BODY)).status).toBe(404);
    });
  });

  describe("delete", () => {
    test("cancels a running job, which then stays cancelled and writes no model", async () => {
      const service = await start({ epochMs: 50, queueMs: 5 });
      const id = await createJob(service, { dataset_uri: "gs://b/d", epochs: 20 });
      await pollJob(service, id, (view) => view.status === "running");
      const deleted = await http.delete(`${service.endpoint}/${id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.data).toMatchObject({ job_id: id, status: "cancelled" });

      await new Promise((resolve) => setTimeout(resolve, 150));
      const view = (await http.get<JobView>(`${service.endpoint}/${id}`)).data;
      expect(view.status).toBe("cancelled");
      expect(view.results).toBeUndefined();
      expect(service.jobs()[0]!.epoch).toBeLessThan(20);

      const again = await http.delete(`${service.endpoint}/${id}`);
      expect(again.status).toBe(409);
      expect(again.data).toEqual({ error: "job already finished" });
    });

    test("cancels a queued job before it runs", async () => {
      const service = await start({ queueMs: 5000 });
      const id = await createJob(service);
      expect((await http.delete(`${service.endpoint}/${id}`)).data.status).toBe("cancelled");
      expect(service.jobs()[0]).toMatchObject({ status: "cancelled", epoch: 0 });
    });

    test("a finished or failed job answers 409 job already finished", async () => {
      const service = await start();
      const finished = await createJob(service, { dataset_uri: "gs://b/d", epochs: 1 });
      const failed = await createJob(service, { dataset_uri: "gs://b/d", epochs: 1 }, { "X-Fail-Job": "1" });
      for (const id of [finished, failed]) {
        await pollJob(service, id, isFinal);
        const response = await http.delete(`${service.endpoint}/${id}`);
        expect(response.status).toBe(409);
        expect(response.data).toEqual({ error: "job already finished" });
      }
    });
  });

  describe("logs", () => {
    test("one line per state change and epoch, in pages that end with an empty token", async () => {
      const service = await start({ logPageSize: 2 });
      const id = await createJob(service, { dataset_uri: "gs://b/d", epochs: 4 });
      await pollJob(service, id, isFinal);
      const { lines, pages } = await readAllLogs(service, id);
      const messages = lines.map((line) => line.message);
      expect(messages).toEqual([
        "job queued: dataset gs://b/d, 4 epoch(s)",
        "job started",
        expect.stringMatching(/^epoch 1\/4 loss=/),
        expect.stringMatching(/^epoch 2\/4 loss=/),
        expect.stringMatching(/^epoch 3\/4 loss=/),
        expect.stringMatching(/^epoch 4\/4 loss=/),
        expect.stringMatching(/^job finished: model written to file:\/\//),
      ]);
      expect(pages).toBe(4);
      for (const line of lines) expect(new Date(line.timestamp).toISOString()).toBe(line.timestamp);
      const losses = messages.filter((m) => m.startsWith("epoch")).map((m) => Number(m.split("loss=")[1]));
      expect([...losses].sort((a, b) => b - a)).toEqual(losses);
      expect(new Set(losses).size).toBe(4);
    });

    test("the default page holds 50 lines", async () => {
      const service = await start({ epochMs: 1, queueMs: 1 });
      const id = await createJob(service, { dataset_uri: "gs://b/d", epochs: 60 });
      await pollJob(service, id, isFinal);
      const first = await http.get<LogsPage>(`${service.endpoint}/${id}/logs`);
      expect(first.data.lines).toHaveLength(50);
      const second = await http.get<LogsPage>(`${service.endpoint}/${id}/logs`, {
        params: { token: first.data.next_token },
      });
      expect(second.data.lines).toHaveLength(63 - 50);
      expect(second.data.next_token).toBe("");
    });

    test("while a job runs, reaching the end keeps a token to poll with", async () => {
      const service = await start({ queueMs: 5000 });
      const id = await createJob(service);
      const page = (await http.get<LogsPage>(`${service.endpoint}/${id}/logs`)).data;
      expect(page.lines).toHaveLength(1);
      expect(page.next_token).not.toBe("");
      const empty = (
        await http.get<LogsPage>(`${service.endpoint}/${id}/logs`, { params: { token: page.next_token } })
      ).data;
      expect(empty).toEqual({ lines: [], next_token: page.next_token });
    });

    test("a token the service never gave is a bad request", async () => {
      const service = await start();
      const id = await createJob(service);
      for (const token of ["abc", "-1", "999"]) {
        const response = await http.get(`${service.endpoint}/${id}/logs`, { params: { token } });
        expect(response.status).toBe(400);
        expect(response.data.error).toMatch(/token/);
      }
    });
  });

  describe("bearer auth", () => {
    const apiKey = "sk-test-9f8e7d6c5b4a";

    test("requests need the right bearer token; /healthz does not; the key is never logged", async () => {
      const capture = captureLogs();
      const service = await start({ apiKey, logger: capture.logger });

      const missing = await http.post(service.endpoint, BODY);
      expect(missing.status).toBe(401);
      expect(missing.headers["www-authenticate"]).toBe("Bearer");
      const wrong = await http.post(service.endpoint, BODY, {
        headers: { Authorization: "Bearer not-the-key" },
      });
      expect(wrong.status).toBe(401);
      const basic = await http.get(`${service.endpoint}/x`, {
        headers: { Authorization: `Basic ${apiKey}` },
      });
      expect(basic.status).toBe(401);
      expect(service.jobs()).toHaveLength(0);

      const auth = { Authorization: `Bearer ${apiKey}` };
      const created = await http.post(service.endpoint, BODY, { headers: auth });
      expect(created.status).toBe(201);
      expect((await http.get(`${service.endpoint}/${created.data.job_id}`)).status).toBe(401);
      await pollJob(service, created.data.job_id, isFinal, auth);
      expect(
        (await http.get(`${service.endpoint}/${created.data.job_id}/logs`, { headers: auth })).status,
      ).toBe(200);
      expect((await http.get(`${service.url}/healthz`)).status).toBe(200);
      await service.close();

      const logged = capture.text();
      expect(logged).toContain('"status":401');
      expect(logged).toContain("job finished");
      expect(logged).not.toContain(apiKey);
      expect(logged).not.toContain("not-the-key");
    });
  });

  describe("failure injection", () => {
    test("fail-rate 1 fails every job at its end with an error", async () => {
      const service = await start({ failRate: 1 });
      const ids = [await createJob(service), await createJob(service)];
      const results = await Promise.all(ids.map((id) => pollJob(service, id, isFinal)));
      for (const { view, seen } of results) {
        expect(seen.at(-1)).toBe("failed");
        expect(view.error).toMatch(/training failed at epoch 3\/3.*fail-rate/);
        expect(view.results).toBeUndefined();
        expect(view.progress?.epoch).toBe(3);
      }
      const { lines } = await readAllLogs(service, ids[0]!);
      expect(lines.at(-1)!.message).toMatch(/^job failed: /);
    });

    test("X-Fail-Job: 1 fails only that job", async () => {
      const service = await start();
      const doomed = await createJob(service, BODY, { "X-Fail-Job": "1" });
      const healthy = await createJob(service, BODY, { "X-Fail-Job": "0" });
      expect((await pollJob(service, doomed, isFinal)).view).toMatchObject({
        status: "failed",
        error: expect.stringMatching(/X-Fail-Job/),
      });
      expect((await pollJob(service, healthy, isFinal)).view.status).toBe("finished");
    });

    test("X-Simulate-Status answers that status once and does nothing else", async () => {
      const service = await start();
      const simulated = await http.post(service.endpoint, BODY, { headers: { "X-Simulate-Status": "503" } });
      expect(simulated.status).toBe(503);
      expect(simulated.data.error).toMatch(/simulated/);
      expect(simulated.headers["retry-after"]).toBe("1");
      expect(service.jobs()).toHaveLength(0);

      const retried = await http.post(service.endpoint, BODY);
      expect(retried.status).toBe(201);
      const id = retried.data.job_id as string;
      expect(
        (await http.get(`${service.endpoint}/${id}`, { headers: { "X-Simulate-Status": "500" } })).status,
      ).toBe(500);
      expect(
        (await http.delete(`${service.endpoint}/${id}`, { headers: { "X-Simulate-Status": "429" } })).status,
      ).toBe(429);
      expect((await http.get(`${service.endpoint}/${id}`)).data.status).not.toBe("cancelled");
      expect(
        (await http.get(`${service.url}/train`, { headers: { "X-Simulate-Status": "200" } })).status,
      ).toBe(400);
      expect(service.requests).toMatchObject({ POST: 2, GET: 3, DELETE: 1 });
    });

    test("unavailable(n) answers 503 to the next n requests, then recovers", async () => {
      const service = await start();
      service.unavailable(2);
      const burst = [await http.post(service.endpoint, BODY), await http.post(service.endpoint, BODY)];
      expect(burst.map((r) => r.status)).toEqual([503, 503]);
      expect((await http.get(`${service.url}/healthz`)).status).toBe(200);
      expect((await http.post(service.endpoint, BODY)).status).toBe(201);
      expect(service.jobs()).toHaveLength(1);
      expect(service.requests.POST).toBe(3);
    });

    test("unavailable(true) lasts until unavailable(false)", async () => {
      const service = await start();
      const id = await createJob(service);
      service.unavailable(true);
      for (let i = 0; i < 5; i++) expect((await http.get(`${service.endpoint}/${id}`)).status).toBe(503);
      service.unavailable(false);
      expect((await http.get(`${service.endpoint}/${id}`)).status).toBe(200);
      expect(() => service.unavailable(-1)).toThrow(RangeError);
    });
  });

  describe("bad requests", () => {
    test.each([
      ["invalid JSON", "{not json", /not valid JSON/],
      ["an array", [], /JSON object/],
      ["null", "null", /JSON object/],
      ["no dataset_uri", { epochs: 3 }, /dataset_uri/],
      ["an empty dataset_uri", { dataset_uri: "", epochs: 3 }, /dataset_uri/],
      ["a numeric dataset_uri", { dataset_uri: 7, epochs: 3 }, /dataset_uri/],
      ["no epochs", { dataset_uri: "gs://b/d" }, /epochs/],
      ["string epochs", { dataset_uri: "gs://b/d", epochs: "3" }, /epochs/],
      ["fractional epochs", { dataset_uri: "gs://b/d", epochs: 1.5 }, /epochs/],
      ["zero epochs", { dataset_uri: "gs://b/d", epochs: 0 }, /epochs/],
      ["too many epochs", { dataset_uri: "gs://b/d", epochs: 1_000_000 }, /epochs/],
    ])("a body with %s answers 400 naming the problem", async (_name, body, message) => {
      const service = await start();
      // Strings go on the wire as they are; axios would otherwise re-encode text that is not JSON.
      const response = await http.post(service.endpoint, body, {
        headers: { "Content-Type": "application/json" },
        transformRequest: typeof body === "string" ? [(data: string) => data] : undefined,
      });
      expect(response.status).toBe(400);
      expect(response.data.error).toMatch(message);
      expect(service.jobs()).toHaveLength(0);
    });

    test("a body over 1 MiB answers 413", async () => {
      const service = await start();
      const response = await http.post(service.endpoint, {
        dataset_uri: "x".repeat(1024 * 1024 + 10),
        epochs: 1,
      });
      expect(response.status).toBe(413);
    });

    test("invalid options are rejected before listening", async () => {
      await expect(startTrainingService({ failRate: 2 })).rejects.toThrow(
        /options.failRate must be a number from 0 to 1/,
      );
      await expect(startTrainingService({ port: -1 })).rejects.toThrow(/options.port/);
      await expect(startTrainingService({ basePath: "/a b" })).rejects.toThrow(/options.basePath/);
      await expect(startTrainingService({ apiKey: "" })).rejects.toThrow(/options.apiKey/);
    });
  });

  test("close() stops the jobs where they are and is safe to repeat", async () => {
    const service = await start({ epochMs: 30, queueMs: 0 });
    const id = await createJob(service, { dataset_uri: "gs://b/d", epochs: 50 });
    await pollJob(service, id, (view) => (view.progress?.epoch ?? 0) >= 1);
    await Promise.all([service.close(), service.close()]);
    const frozen = service.jobs()[0]!;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(service.jobs()[0]).toEqual(frozen);
    expect(frozen.status).toBe("running");
    await expect(http.get(`${service.url}/healthz`)).rejects.toThrow();
  });
});
