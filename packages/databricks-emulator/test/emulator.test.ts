/**
 * The emulator over real HTTP on port 0, driven with fetch: endpoints, stepping per poll, dedupe by
 * idempotency_token, the token check and the fault knobs.
 */
import { startDatabricksEmulator, type RunningDatabricksEmulator } from "../src";

const TOKEN = "dapi-emulator-test-7Hq";
let emulator: RunningDatabricksEmulator;

beforeEach(async () => {
  emulator = await startDatabricksEmulator({ token: TOKEN });
});
afterEach(async () => {
  await emulator.close();
});

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const response = await fetch(`${emulator.url}/api/2.1/jobs/${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, body: json as Record<string, any> };
}

const submitBody = (extra: Record<string, unknown> = {}) => ({
  run_name: "emulator-test",
  new_cluster: { spark_version: "14.3.x-scala2.12", node_type_id: "i3.xlarge", num_workers: 1 },
  spark_python_task: { python_file: "main.py", parameters: ["a"] },
  ...extra,
});

const lifeCycle = async (runId: number) => {
  const { body } = await api("GET", `runs/get?run_id=${runId}`);
  return [body.state.life_cycle_state, body.state.result_state];
};

describe("databricks emulator", () => {
  test("submit → PENDING, RUNNING, TERMINATED SUCCESS: one step per runs/get, never by time", async () => {
    const submitted = await api("POST", "runs/submit", submitBody());
    expect(submitted.status).toBe(200);
    const runId = submitted.body.run_id as number;
    expect(typeof runId).toBe("number");
    expect(await lifeCycle(runId)).toEqual(["PENDING", undefined]);
    // get-output and list do not step the run
    await api("GET", `runs/get-output?run_id=${runId}`);
    await api("GET", "runs/list");
    expect(await lifeCycle(runId)).toEqual(["RUNNING", undefined]);
    expect(await lifeCycle(runId)).toEqual(["TERMINATED", "SUCCESS"]);
    expect(await lifeCycle(runId)).toEqual(["TERMINATED", "SUCCESS"]);
    const { body } = await api("GET", `runs/get?run_id=${runId}`);
    expect(body).toMatchObject({ run_id: runId, run_name: "emulator-test", run_type: "SUBMIT_RUN" });
    expect(body.run_page_url).toBe(`${emulator.url}/#job/${body.job_id}/run/${runId}`);
  });

  test.each([
    ["failure", ["TERMINATED", "FAILED"]],
    ["timeout", ["TERMINATED", "TIMEDOUT"]],
    ["internal_error", ["INTERNAL_ERROR", "FAILED"]],
  ])("emulator_result=%s in the submit body scripts the end", async (outcome, end) => {
    const { body } = await api(
      "POST",
      "runs/submit",
      submitBody({
        spark_python_task: { python_file: "m.py", parameters: [`--emulator_result=${outcome}`] },
      }),
    );
    await lifeCycle(body.run_id);
    await lifeCycle(body.run_id);
    expect(await lifeCycle(body.run_id)).toEqual(end);
  });

  test("scriptNextRuns and notebook base_parameters; a failed run's output has an error and a trace", async () => {
    emulator.scriptNextRuns("failure");
    const first = (await api("POST", "runs/submit", submitBody())).body.run_id;
    const second = (
      await api("POST", "runs/submit", {
        existing_cluster_id: "0101-abc",
        notebook_task: { notebook_path: "/n", base_parameters: { emulator_result: "timeout" } },
      })
    ).body.run_id;
    const third = (await api("POST", "runs/submit", submitBody())).body.run_id;
    for (let i = 0; i < 3; i++)
      for (const id of [first, second, third]) await api("GET", `runs/get?run_id=${id}`);
    expect(await lifeCycle(first)).toEqual(["TERMINATED", "FAILED"]);
    expect(await lifeCycle(second)).toEqual(["TERMINATED", "TIMEDOUT"]);
    expect(await lifeCycle(third)).toEqual(["TERMINATED", "SUCCESS"]);
    const output = await api("GET", `runs/get-output?run_id=${first}`);
    expect(output.body.error).toContain("failed as scripted");
    expect(output.body.error_trace).toContain("Traceback");
    expect(output.body.logs).toContain("working: step 1 of 3");
    expect(output.body.metadata.run_id).toBe(first);
    expect((await api("GET", `runs/get-output?run_id=${third}`)).body.error).toBeUndefined();
  });

  test("an unknown emulator_result is a 400", async () => {
    const { status, body } = await api(
      "POST",
      "runs/submit",
      submitBody({ spark_python_task: { python_file: "m", parameters: ["emulator_result=maybe"] } }),
    );
    expect(status).toBe(400);
    expect(body.message).toContain("emulator_result");
  });

  test("the same idempotency_token answers the same run; a new one makes a new run", async () => {
    const a = await api("POST", "runs/submit", submitBody({ idempotency_token: "tok-1" }));
    const b = await api("POST", "runs/submit", submitBody({ idempotency_token: "tok-1" }));
    const c = await api("POST", "runs/submit", submitBody({ idempotency_token: "tok-2" }));
    expect(b.body.run_id).toBe(a.body.run_id);
    expect(c.body.run_id).not.toBe(a.body.run_id);
    expect(emulator.runs()).toHaveLength(2);
    expect(emulator.submissions.map((s) => s.deduplicated)).toEqual([false, true, false]);
    const tooLong = await api("POST", "runs/submit", submitBody({ idempotency_token: "x".repeat(65) }));
    expect(tooLong.status).toBe(400);
  });

  test("bad submit bodies are 400 INVALID_PARAMETER_VALUE or MALFORMED_REQUEST", async () => {
    expect((await api("POST", "runs/submit", "{nope")).body.error_code).toBe("MALFORMED_REQUEST");
    const noTask = await api("POST", "runs/submit", { new_cluster: {} });
    expect([noTask.status, noTask.body.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
    const noCluster = await api("POST", "runs/submit", { spark_python_task: { python_file: "x" } });
    expect(noCluster.body.message).toContain("existing_cluster_id or new_cluster");
    const two = await api("POST", "runs/submit", submitBody({ notebook_task: { notebook_path: "/x" } }));
    expect(two.body.message).toContain("Only one task type");
    const sql = await api("POST", "runs/submit", { sql_task: { query: { query_id: "q" } } });
    expect(sql.body.message).toContain("warehouse_id");
  });

  test("cancel: a running run ends TERMINATED CANCELED; finished runs stay; unknown runs are 400", async () => {
    const runId = (await api("POST", "runs/submit", submitBody())).body.run_id;
    await lifeCycle(runId);
    expect((await api("POST", "runs/cancel", { run_id: String(runId) })).status).toBe(200);
    expect(await lifeCycle(runId)).toEqual(["TERMINATED", "CANCELED"]);
    expect((await api("POST", "runs/cancel", { run_id: runId })).status).toBe(200);
    expect(await lifeCycle(runId)).toEqual(["TERMINATED", "CANCELED"]);
    const unknown = await api("POST", "runs/cancel", { run_id: 424242 });
    expect([unknown.status, unknown.body.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
    expect(unknown.body.message).toContain("does not exist");
    expect((await api("GET", "runs/get?run_id=424242")).status).toBe(400);
    expect((await api("GET", "runs/get?run_id=abc")).body.message).toContain("run_id");
  });

  test("runs/list: newest first, active_only / completed_only, offset and limit with has_more", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await api("POST", "runs/submit", submitBody())).body.run_id);
    for (let i = 0; i < 3; i++) await api("GET", `runs/get?run_id=${ids[0]}`);
    const all = await api("GET", "runs/list");
    expect(all.body.runs.map((r: { run_id: number }) => r.run_id)).toEqual([...ids].reverse());
    expect(all.body.has_more).toBe(false);
    expect((await api("GET", "runs/list?completed_only=true")).body.runs.map((r: any) => r.run_id)).toEqual([
      ids[0],
    ]);
    expect((await api("GET", "runs/list?active_only=true")).body.runs.map((r: any) => r.run_id)).toEqual([
      ids[2],
      ids[1],
    ]);
    const page = await api("GET", "runs/list?offset=1&limit=1");
    expect([page.body.runs.map((r: any) => r.run_id), page.body.has_more]).toEqual([[ids[1]], true]);
    expect((await api("GET", "runs/list?limit=26")).status).toBe(400);
  });

  test("auth: no token is 401, a wrong token 403, neither echoes the token", async () => {
    const none = await api("GET", "runs/list", undefined, null);
    expect([none.status, none.body.error_code]).toEqual([401, "UNAUTHENTICATED"]);
    const wrong = await api("GET", "runs/list", undefined, "dapi-wrong-Zx1");
    expect([wrong.status, wrong.body.error_code]).toEqual([403, "PERMISSION_DENIED"]);
    expect(JSON.stringify(wrong.body)).not.toContain("dapi-wrong-Zx1");
  });

  test("unknown endpoints are 404 ENDPOINT_NOT_FOUND; a wrong method 405", async () => {
    expect((await api("GET", "runs/nope")).status).toBe(404);
    expect((await api("GET", "runs/submit")).status).toBe(405);
  });

  test("setRunState pins any state (or none); setRunAnswer answers any body", async () => {
    const runId = (await api("POST", "runs/submit", submitBody())).body.run_id;
    emulator.setRunState(runId, { life_cycle_state: "BLOCKED", state_message: "waiting" });
    expect(await lifeCycle(runId)).toEqual(["BLOCKED", undefined]);
    expect(await lifeCycle(runId)).toEqual(["BLOCKED", undefined]);
    emulator.setRunState(runId, null);
    expect((await api("GET", `runs/get?run_id=${runId}`)).body.state).toBeUndefined();
    emulator.setRunAnswer(runId, "<html>oops</html>");
    expect((await api("GET", `runs/get?run_id=${runId}`)).body).toBe("<html>oops</html>");
  });

  test("faults: 503 bursts, 429 with Retry-After, and hangs, each for a number of requests", async () => {
    emulator.faults.unavailable(2);
    expect((await api("GET", "runs/list")).status).toBe(503);
    expect((await api("GET", "runs/list")).body.error_code).toBe("TEMPORARILY_UNAVAILABLE");
    expect((await api("GET", "runs/list")).status).toBe(200);

    emulator.faults.rateLimited(1, 7);
    const limited = await api("GET", "runs/list");
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "7"]);
    expect((await api("GET", "runs/list")).status).toBe(200);

    emulator.faults.hang(true);
    const held = emulator.nextHang();
    const controller = new AbortController();
    const hung = fetch(`${emulator.url}/api/2.1/jobs/runs/list`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: controller.signal,
    });
    // The request is held: it has neither answered nor failed when a later request (after clear) answers.
    let settled = false;
    void hung.then(
      () => (settled = true),
      () => (settled = true),
    );
    expect(await held).toEqual({ method: "GET", path: "/api/2.1/jobs/runs/list" });
    expect(emulator.hungRequests).toBe(1);
    expect(settled).toBe(false);
    emulator.faults.clear(); // drops the held connection
    await expect(hung).rejects.toThrow();
    expect(emulator.hungRequests).toBe(0);
    expect((await api("GET", "runs/list")).status).toBe(200);
    controller.abort();
  });

  test("requires a token; a bad fault budget throws", async () => {
    await expect(startDatabricksEmulator({ token: "" })).rejects.toThrow(/token/);
    expect(() => emulator.faults.unavailable(-1)).toThrow(RangeError);
    expect(() => emulator.scriptNextRuns("nope" as never)).toThrow(TypeError);
  });
});
