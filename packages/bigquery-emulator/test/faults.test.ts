/**
 * Injected faults: the emulator's way to show clients what DuckDB never does by itself (BigQuery
 * unavailable, jobs failing in its backend). Driven with the unmodified Google client and raw HTTP.
 */
import { client, http, PROJECT, useEmulator, waitForDone } from "./support";

const emulator = useEmulator({ jobDelayMs: 5 });

afterEach(() => emulator().faults.clear());

describe("faults", () => {
  it("unavailable(n) refuses exactly the next n requests with BigQuery's 503 shape", async () => {
    emulator().faults.unavailable(2);
    const first = await http(emulator(), "GET", `/projects/${PROJECT}/datasets`);
    const second = await http(emulator(), "GET", `/bigquery/v2/projects/${PROJECT}/datasets`);
    const third = await http(emulator(), "GET", `/projects/${PROJECT}/datasets`);
    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expect(first.json.error).toMatchObject({
      code: 503,
      status: "UNAVAILABLE",
      errors: [{ reason: "backendError" }],
    });
  });

  it("unavailable(true) lasts until unavailable(false); the client sees the HTTP status", async () => {
    const bigquery = client(emulator(), { autoRetry: false });
    emulator().faults.unavailable(true);
    for (let i = 0; i < 3; i++) await expect(bigquery.getDatasets()).rejects.toMatchObject({ code: 503 });
    emulator().faults.unavailable(false);
    await expect(bigquery.getDatasets()).resolves.toBeDefined();
  });

  it("failNextJobs ends the next jobs DONE with the given errorResult, then jobs run again", async () => {
    const bigquery = client(emulator());
    emulator().faults.failNextJobs({ reason: "backendError", message: "Backend error. Try again." }, 2);
    const outcomes: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const [job] = await bigquery.createQueryJob({ query: `SELECT ${i} AS n` });
      const { metadata } = await waitForDone(job);
      outcomes.push(metadata.status.errorResult ?? "ok");
    }
    expect(outcomes).toEqual([
      { reason: "backendError", message: "Backend error. Try again." },
      { reason: "backendError", message: "Backend error. Try again." },
      "ok",
    ]);
  });

  it("rejects nonsense counts", () => {
    expect(() => emulator().faults.unavailable(-1)).toThrow(RangeError);
    expect(() => emulator().faults.failNextJobs({ reason: "backendError", message: "x" }, 0)).toThrow(
      RangeError,
    );
  });
});
