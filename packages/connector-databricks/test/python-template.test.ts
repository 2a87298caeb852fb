/**
 * A template exactly as flyte-sdk's `flyteplugins-databricks` writes it (a container target, `custom` a
 * SparkJob as JSON), encoded with the upstream @flyteorg/flyteidl2 encoder and sent over gRPC: the
 * runs/submit body must be the Python connector's, field by field, plus `idempotency_token`; metas the
 * Python connector wrote must work; logs stream over GetTaskLogs; the token shows up nowhere.
 */
import { TaskExecution_Phase as Phase } from "@flyteorg/flyteidl2/flyteidl2/core/execution_pb.ts";
import { executionMetadata } from "@flyte-connectors/testing";
import { CATEGORY, TOKEN, metaBytes, metaOf, startStack, type Stack } from "./support";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const IMAGE = "ghcr.io/flyteorg/flyte:py3.12-v2.0.0";
const ARGS = [
  "a0",
  "--inputs",
  "s3://bucket/inputs.pb",
  "--outputs-path",
  "s3://bucket/out",
  "--resolver",
  "flyte._internal.resolvers.default.DefaultTaskResolver",
];
const ENV = [
  { key: "FLYTE_INTERNAL_EXECUTION_PROJECT", value: "flytesnacks" },
  { key: "SHARED", value: "from-container" },
];

/** `custom` as `DatabricksFunctionTask.custom_config` writes it (MessageToDict of a SparkJob, camelCase). */
const pythonCustom = (databricksConf: Record<string, unknown>) => ({
  sparkConf: { "spark.driver.memory": "1000M", "spark.executor.instances": "2" },
  hadoopConf: { "fs.s3a.aws.credentials.provider": "x" },
  mainApplicationFile: "local:///usr/local/bin/entrypoint.py",
  executorPath: "/usr/bin/python3",
  applicationType: "PYTHON",
  databricksConf,
  databricksInstance: stack.emulator.url,
  secrets: { databricks_token: "my-databricks-secret" },
});

const NEW_CLUSTER = {
  spark_version: "13.3.x-scala2.12",
  node_type_id: "i3.xlarge",
  num_workers: 2,
  spark_env_vars: { SHARED: "from-conf", ONLY_CONF: "1" },
};

function createPythonTask(run: string, databricksConf: Record<string, unknown>, retryAttempt = 0) {
  return stack.client.createTask({
    template: {
      type: "databricks",
      custom: pythonCustom(databricksConf) as never,
      target: { case: "container", value: { image: IMAGE, args: ARGS, env: ENV } },
      metadata: { runtime: { version: "2.0.0", flavor: "python" } },
    },
    outputPrefix: "s3://bucket/out",
    taskExecutionMetadata: executionMetadata(run, retryAttempt),
    connection: { secrets: { databricks_token: TOKEN } },
  });
}

/** What the backend sends with every call of the task: its secrets. */
const CONNECTION = { secrets: { databricks_token: TOKEN } };

const bodyOf = (runId: string) =>
  stack.emulator.submissions.find((s) => String(s.runId) === runId && !s.deduplicated)!.body;

describe("a flyteplugins-databricks template over gRPC", () => {
  test("new_cluster: the Python connector's body, field by field, plus idempotency_token", async () => {
    const { resourceMeta } = await createPythonTask("python-new-cluster", {
      run_name: "flytekit databricks plugin example",
      new_cluster: NEW_CLUSTER,
      timeout_seconds: 3600,
      max_retries: 1,
    });
    const meta = metaOf(resourceMeta);
    expect(meta).toEqual({ databricks_instance: stack.emulator.url, run_id: expect.stringMatching(/^\d+$/) });
    const body = bodyOf(meta.run_id);
    expect(body).toEqual({
      run_name: "flytekit databricks plugin example",
      new_cluster: {
        spark_version: "13.3.x-scala2.12",
        node_type_id: "i3.xlarge",
        num_workers: 2,
        docker_image: { url: IMAGE },
        spark_conf: { "spark.driver.memory": "1000M", "spark.executor.instances": "2" },
        // update(): the container's env over the configured one
        spark_env_vars: {
          SHARED: "from-container",
          ONLY_CONF: "1",
          FLYTE_INTERNAL_EXECUTION_PROJECT: "flytesnacks",
        },
      },
      timeout_seconds: 3600,
      max_retries: 1,
      spark_python_task: {
        python_file: "flyteplugins/databricks/entrypoint.py",
        parameters: ARGS,
        source: "GIT",
      },
      git_source: {
        git_url: "https://github.com/flyteorg/flytetools",
        git_provider: "gitHub",
        git_commit: "194364210c47c49ce66c419e8fb68d6f9c06fd7e",
      },
      idempotency_token: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  test("set docker_image and spark_conf are kept; no spark_env_vars takes the container's env", async () => {
    const { resourceMeta } = await createPythonTask("python-kept", {
      new_cluster: { spark_version: "x", docker_image: { url: "mine:1" }, spark_conf: { mine: "1" } },
      spark_python_task: { python_file: "replaced.py" },
    });
    const body = bodyOf(metaOf(resourceMeta).run_id);
    expect(body.new_cluster).toEqual({
      spark_version: "x",
      docker_image: { url: "mine:1" },
      spark_conf: { mine: "1" },
      spark_env_vars: { FLYTE_INTERNAL_EXECUTION_PROJECT: "flytesnacks", SHARED: "from-container" },
    });
    expect(body.spark_python_task).toEqual({
      python_file: "flyteplugins/databricks/entrypoint.py",
      parameters: ARGS,
      source: "GIT",
    });
  });

  test("existing_cluster_id: no cluster fields added", async () => {
    const { resourceMeta } = await createPythonTask("python-existing", {
      existing_cluster_id: "1201-my-cluster",
    });
    const body = bodyOf(metaOf(resourceMeta).run_id);
    expect(Object.keys(body).sort()).toEqual([
      "existing_cluster_id",
      "git_source",
      "idempotency_token",
      "spark_python_task",
    ]);
  });

  test("the same attempt twice is one run; the next retry attempt is a new run", async () => {
    const conf = { existing_cluster_id: "c" };
    const a = metaOf((await createPythonTask("python-idem", conf)).resourceMeta);
    const b = metaOf((await createPythonTask("python-idem", conf)).resourceMeta);
    const c = metaOf((await createPythonTask("python-idem", conf, 1)).resourceMeta);
    expect(b).toEqual(a);
    expect(c.run_id).not.toBe(a.run_id);
  });

  test("without new_cluster or existing_cluster_id: INVALID_ARGUMENT naming custom.databricksConf.new_cluster", async () => {
    await expect(createPythonTask("python-bad", { run_name: "x" })).rejects.toMatchObject({
      code: 3,
      details: expect.stringContaining("custom.databricksConf.new_cluster"),
    });
  });

  test("runs to SUCCEEDED with a console link; a meta written by the Python connector (a bare host) is read", async () => {
    const { resourceMeta } = await createPythonTask("python-run", { existing_cluster_id: "c" });
    const { resource, seen } = await stack.client.pollUntilTerminal(
      { resourceMeta, taskCategory: CATEGORY, connection: CONNECTION },
      { pauseMs: 1 },
    );
    expect(seen).toEqual([Phase.INITIALIZING, Phase.RUNNING, Phase.SUCCEEDED]);
    const { run_id } = metaOf(resourceMeta);
    const job = stack.emulator.run(run_id)!.job_id;
    expect(resource.logLinks.map((l) => [l.name, l.uri])).toEqual([
      ["Databricks Console", `${stack.emulator.url}/#job/${job}/run/${run_id}`],
    ]);

    // The Python connector's meta: `{"databricks_instance": "<host>", "run_id": "<id>"}`, https implied.
    const python = metaBytes({ databricks_instance: "127.0.0.1:1", run_id: run_id });
    const fromPython = await stack.client.getTask({
      resourceMeta: python,
      taskCategory: CATEGORY,
      connection: CONNECTION,
    });
    // https to a port with nothing on it: not reachable, so not yet — but decoded and tried, not refused.
    expect(fromPython.resource!.phase).toBe(Phase.RUNNING);
    expect(fromPython.resource!.message).toContain("could not be reached");
    // And the same shape with the emulator's address is the same run.
    const same = await stack.client.getTask({
      resourceMeta: metaBytes({ databricks_instance: stack.emulator.url, run_id }),
      taskCategory: CATEGORY,
      connection: CONNECTION,
    });
    expect(same.resource!.phase).toBe(Phase.SUCCEEDED);
    await stack.client
      .deleteTask({ resourceMeta: python, taskCategory: CATEGORY, connection: CONNECTION })
      .catch((e: { code: number }) => {
        expect(e.code).toBe(14); // UNAVAILABLE: the backend retries; nothing is lost
      });
  });

  test("GetTaskLogs streams the run's output; DeleteTask of the finished run succeeds", async () => {
    stack.emulator.scriptNextRuns("failure");
    const { resourceMeta } = await createPythonTask("python-logs", { existing_cluster_id: "c" });
    const { resource } = await stack.client.pollUntilTerminal(
      { resourceMeta, taskCategory: CATEGORY, connection: CONNECTION },
      { pauseMs: 1 },
    );
    expect(resource.phase).toBe(Phase.FAILED);
    // GetTaskLogs carries no task secrets: the deployment's token, from the environment the server reads.
    process.env.FLYTE_SECRET_DATABRICKS_TOKEN = TOKEN;
    let messages;
    try {
      messages = await stack.client.getTaskLogs({
        resourceMeta,
        taskCategory: CATEGORY,
        token: "",
        lines: 0n,
      } as never);
    } finally {
      delete process.env.FLYTE_SECRET_DATABRICKS_TOKEN;
    }
    const text = JSON.stringify(messages, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    expect(text).toContain("failed as scripted");
    expect(text).toContain("Traceback");
    await stack.client.deleteTask({ resourceMeta, taskCategory: CATEGORY, connection: CONNECTION });
  });

  test("the token is in no server log line", () => {
    expect(stack.logs.lines.length).toBeGreaterThan(0);
    expect(stack.logs.text).not.toContain(TOKEN);
  });
});
