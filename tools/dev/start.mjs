#!/usr/bin/env node
// `npm start`: builds the packages and brings up the local stack in the foreground; Ctrl-C stops it all.
// Each part is a child process with its output prefixed by its name.
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
if (process.argv.includes("--version")) {
  console.log(JSON.parse(readFileSync(path.join(root, "packages/runtime/package.json"), "utf8")).version);
  process.exit(0);
}
if (process.argv.includes("--help")) {
  console.log(`Usage: npm start

Builds every package, then starts the local stack:
  training-service  the reference model-training service      http://127.0.0.1:8080/train
  bigquery          the DuckDB-backed BigQuery emulator          http://127.0.0.1:9050
  databricks        the Databricks Jobs API 2.1 emulator         http://127.0.0.1:9060 (token local-databricks-token)
  snowflake         the DuckDB-backed Snowflake SQL API emulator http://127.0.0.1:9070 (user LOCAL.FLYTE, key tmp/snowflake/rsa_key.p8)
  connector         flyte-connector serve with every connector  grpc 127.0.0.1:8000, metrics :9090
Logs are readable lines on a terminal and JSON lines otherwise (a pipe, a file, CI).
Ctrl-C stops everything.`);
  process.exit(0);
}

const build = spawnSync(path.join(root, "node_modules/.bin/nx"), ["run-many", "-t", "build", "--outputStyle=static"], {
  cwd: root,
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);

// The Snowflake emulator's key-pair user LOCAL.FLYTE: a key made on first start, kept in tmp/ (git-ignored),
// as a Snowflake user's key made with openssl would be (https://docs.snowflake.com/en/user-guide/key-pair-auth).
const snowflakeKey = path.join(root, "tmp/snowflake/rsa_key.p8");
const snowflakePub = path.join(root, "tmp/snowflake/rsa_key.pub");
if (!existsSync(snowflakeKey) || !existsSync(snowflakePub)) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  mkdirSync(path.dirname(snowflakeKey), { recursive: true });
  writeFileSync(snowflakeKey, privateKey, { mode: 0o600 });
  writeFileSync(snowflakePub, publicKey);
}

const services = [
  {
    name: "training-service",
    bin: "packages/connector-model-training/dist/service/main.js",
    args: ["--port", "8080"],
  },
  {
    name: "bigquery",
    bin: "packages/bigquery-emulator/dist/main.js",
    args: ["--port", "9050", "--project", "local-project", "--data", "packages/bigquery-emulator/data/sample.yaml"],
  },
  {
    name: "databricks",
    bin: "packages/databricks-emulator/dist/main.js",
    args: ["--port", "9060", "--token", "local-databricks-token"],
  },
  {
    name: "snowflake",
    bin: "packages/snowflake-emulator/dist/main.js",
    args: [
      "--port",
      "9070",
      "--data",
      "packages/snowflake-emulator/data/sample.yaml",
      "--public-key",
      `LOCAL.FLYTE=${snowflakePub}`,
    ],
  },
  {
    name: "connector",
    bin: "packages/runtime/dist/cli/main.js",
    args: ["serve", "--port", "8000", "--prometheus-port", "9090"],
    env: {
      BIGQUERY_EMULATOR_HOST: "http://127.0.0.1:9050",
      METADATA_SERVER_DETECTION: "none",
      SNOWFLAKE_API_URL: "http://127.0.0.1:9070",
    },
  },
].filter((s) => {
  const present = existsSync(path.join(root, s.bin));
  if (!present) console.warn(`[start] ${s.name}: ${s.bin} is not built yet; skipping`);
  return present;
});

// The services log JSON (their output is a pipe to us); a person at a terminal gets pino-pretty's lines.
const pretty = process.stdout.isTTY
  ? createRequire(path.join(root, "packages/runtime/package.json"))("pino-pretty").prettyFactory({
      colorize: true,
      singleLine: true,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
    })
  : undefined;

/** One line of a service's output as shown: JSON log lines prettified on a terminal, anything else as is. */
function show(line) {
  if (!pretty || !line.startsWith("{")) return line;
  try {
    return pretty(JSON.parse(line)).trimEnd();
  } catch {
    return line;
  }
}

const children = services.map((s) => {
  const child = spawn(process.execPath, [path.join(root, s.bin), ...s.args], {
    cwd: root,
    env: { ...process.env, ...s.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.on("data", (chunk) => {
      for (const line of chunk.toString().split("\n")) if (line) console.log(`[${s.name}] ${show(line)}`);
    });
  }
  child.on("exit", (code, signal) => {
    console.log(`[${s.name}] exited (${signal ?? code})`);
    if (!stopping) stop(code ?? 1);
  });
  return child;
});

let stopping = false;
/** `forward`: signal the children; false for Ctrl-C, which the terminal already sent the whole group. */
function stop(code = 0, forward = true) {
  if (stopping) return;
  stopping = true;
  const signalChildren = () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  };
  if (forward) signalChildren();
  else setTimeout(signalChildren, 2_000).unref(); // a child that missed the Ctrl-C still stops
  setTimeout(() => process.exit(code), 10_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on("exit", r)) : null))).then(() =>
    process.exit(code),
  );
}
process.on("SIGINT", () => stop(0, false));
process.on("SIGTERM", () => stop(0));
if (children.length === 0) console.warn("[start] nothing to start");
else if (services.some((s) => s.name === "databricks")) {
  console.log(
    "[start] Databricks tasks: databricksInstance \"http://127.0.0.1:9060\" (or FLYTE_DATABRICKS_INSTANCE), " +
      "secret databricks_token = local-databricks-token (DATABRICKS_TOKEN for DatabricksTask.execute); " +
      "see packages/connector-databricks/README.md",
  );
}
if (services.some((s) => s.name === "snowflake")) {
  console.log(
    "[start] Snowflake tasks: the connector server has SNOWFLAKE_API_URL=http://127.0.0.1:9070 (the emulator); " +
      'account "local", user "FLYTE", secret snowflake_private_key = the PEM in tmp/snowflake/rsa_key.p8 ' +
      '(SNOWFLAKE_PRIVATE_KEY="$(cat tmp/snowflake/rsa_key.p8)" for SnowflakeTask.execute); ' +
      "see packages/connector-snowflake/README.md",
  );
}
