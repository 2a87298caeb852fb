#!/usr/bin/env node
/**
 * One Databricks run through `npm start`'s connector server (grpc 127.0.0.1:8000) and Databricks emulator
 * (http://127.0.0.1:9060), driven as the Flyte backend drives it.
 *
 *   node packages/connector-databricks/examples/run.cjs                    # a DatabricksTask: a notebook with typed inputs
 *   node packages/connector-databricks/examples/run.cjs --fail             # the same, scripted to fail in the emulator
 *   node packages/connector-databricks/examples/run.cjs --python           # a template as flyteplugins-databricks writes it
 *
 * Options: --endpoint host:port (default 127.0.0.1:8000), --instance URL (default http://127.0.0.1:9060),
 * --token T (default DATABRICKS_TOKEN or local-databricks-token).
 */
const { parseArgs } = require("node:util");
const { types } = require("@flyte-connectors/runtime");
const { DatabricksTask } = require("@flyte-connectors/connector-databricks");
const { UpstreamClient, executionMetadata } = require("@flyte-connectors/testing");

const { values } = parseArgs({
  options: {
    endpoint: { type: "string", default: "127.0.0.1:8000" },
    instance: { type: "string", default: "http://127.0.0.1:9060" },
    token: { type: "string", default: process.env.DATABRICKS_TOKEN || "local-databricks-token" },
    python: { type: "boolean", default: false },
    fail: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "Usage: node examples/run.cjs [--python] [--fail] [--endpoint host:port] [--instance URL] [--token T]",
  );
  process.exit(0);
}

async function nativeTask() {
  const task = new DatabricksTask("nightly_report", {
    databricksInstance: values.instance,
    databricksConf: {
      run_name: "nightly report",
      existing_cluster_id: "0101-123456-abcdefgh",
      notebook_task: { notebook_path: "/Shared/reports/nightly" },
    },
    inputs: { day: types.string, emulator_result: types.string },
  });
  process.env.DATABRICKS_TOKEN = values.token;
  await task.execute(
    { day: "2024-05-01", emulator_result: values.fail ? "failure" : "success" },
    { endpoint: values.endpoint, poll: { initialMs: 100, maxMs: 500 }, handleSignals: false },
  );
  console.log("nightly_report: SUCCEEDED");
}

async function pythonTemplate() {
  // What flyte-sdk's DatabricksFunctionTask serialises, as the backend sends it to the connector.
  const client = new UpstreamClient(values.endpoint);
  const category = { name: "databricks", version: 0 };
  const connection = { secrets: { databricks_token: values.token } };
  try {
    const { resourceMeta } = await client.createTask({
      template: {
        type: "databricks",
        custom: {
          sparkConf: { "spark.driver.memory": "1000M" },
          mainApplicationFile: "local:///usr/local/bin/entrypoint.py",
          executorPath: "/usr/bin/python3",
          applicationType: "PYTHON",
          databricksConf: {
            run_name: "flyte example",
            new_cluster: { spark_version: "13.3.x-scala2.12", num_workers: 1 },
          },
          databricksInstance: values.instance,
          secrets: { databricks_token: "databricks-token" },
        },
        target: {
          case: "container",
          value: { image: "ghcr.io/flyteorg/flyte:py3.12", args: ["a0", "--inputs", "s3://b/in"], env: [] },
        },
      },
      outputPrefix: "s3://b/out",
      taskExecutionMetadata: executionMetadata(`example-${Date.now()}`),
      connection,
    });
    console.log("resource_meta:", Buffer.from(resourceMeta).toString("utf8"));
    for (;;) {
      const { resource } = await client.getTask({ resourceMeta, taskCategory: category, connection });
      console.log(
        `phase ${resource.phase}: ${resource.message}`,
        resource.logLinks.map((l) => l.uri).join(" "),
      );
      if ([3, 4, 5, 8].includes(resource.phase)) break; // SUCCEEDED, ABORTED, FAILED, RETRYABLE_FAILED
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    client.close();
  }
}

(values.python ? pythonTemplate() : nativeTask()).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
