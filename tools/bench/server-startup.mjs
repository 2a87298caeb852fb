#!/usr/bin/env node
// Start-up time to SERVING and idle RSS of `flyte-connector serve`, against a bare Node HTTP server and a
// bare grpc-js server measured in the same run. Needs `npm run build` first.
//
//   node tools/bench/server-startup.mjs [--runs 5] [--modules <module>]
//
// "Start-up" is from spawn to the first successful grpc.health.v1 Check answering SERVING (for the
// baselines: to their "ready" line). "Idle RSS" is VmRSS from /proc after 2 s of idling.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(root, "packages/runtime/package.json"));
const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("Usage: node tools/bench/server-startup.mjs [--runs N] [--modules <module>]");
  process.exit(0);
}
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1) {
  console.error("--runs takes a positive integer");
  process.exit(2);
}
const modules = args.includes("--modules")
  ? args[args.indexOf("--modules") + 1]
  : "@flyte-connectors/connector-model-training";

const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { protoPath } = require("grpc-health-check");
const Health = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { enums: String })).grpc.health.v1.Health;

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function waitForLine(child, pattern) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve(m);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

async function healthServing(port) {
  const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    for (;;) {
      const status = await new Promise((resolve) =>
        client.check({ service: "" }, { deadline: Date.now() + 1000 }, (e, r) => resolve(e ? null : r.status)),
      );
      if (status === "SERVING") return;
      await sleep(5);
    }
  } finally {
    client.close();
  }
}

async function measure(label, argv, ready) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  try {
    await ready(child);
    const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
    await sleep(2000);
    return { label, startupMs, rssMb: rssKb(child.pid) / 1024 };
  } finally {
    child.kill("SIGKILL");
  }
}

const cases = [
  {
    label: "node http (baseline)",
    argv: ["-e", "require('http').createServer().listen(0, '127.0.0.1', () => console.log('ready'))"],
    ready: (child) => waitForLine(child, /ready/),
  },
  {
    label: "grpc-js server (baseline)",
    argv: [
      "-e",
      "const g=require('@grpc/grpc-js');const s=new g.Server();s.bindAsync('127.0.0.1:0',g.ServerCredentials.createInsecure(),()=>console.log('ready'))",
    ],
    ready: (child) => waitForLine(child, /ready/),
  },
  {
    label: `flyte-connector serve`,
    argv: [
      path.join(root, "packages/runtime/dist/cli/main.js"),
      "serve", "--port", "0", "--prometheus-port", "0", "--host", "127.0.0.1", "--modules", modules,
    ],
    ready: async (child) => {
      const m = await waitForLine(child, /"port":(\d+)[^\n]*"msg":"ready"/);
      await healthServing(Number(m[1]));
    },
  },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (const c of cases) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    samples.push(await measure(c.label, c.argv, c.ready));
    process.stderr.write(`${c.label}: run ${i + 1}/${runs}\n`);
  }
  results.push({ label: c.label, startupMs: median(samples.map((s) => s.startupMs)), rssMb: median(samples.map((s) => s.rssMb)) });
}
const base = results[0];
console.log(`runs per case: ${runs} (medians); modules: ${modules}`);
console.log("case".padEnd(28), "start-up ms".padStart(12), "ratio".padStart(7), "idle RSS MiB".padStart(13), "ratio".padStart(7));
for (const r of results) {
  console.log(
    r.label.padEnd(28),
    r.startupMs.toFixed(0).padStart(12),
    (r.startupMs / base.startupMs).toFixed(2).padStart(7),
    r.rssMb.toFixed(1).padStart(13),
    (r.rssMb / base.rssMb).toFixed(2).padStart(7),
  );
}
