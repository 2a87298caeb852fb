/** Ctrl-C in a command-line run deletes the job, then ends the process as Ctrl-C does. */
import { spawn } from "node:child_process";
import path from "node:path";

it("SIGINT during execute() deletes the job before the process exits", async () => {
  const child = spawn(process.execPath, [path.join(__dirname, "../fixtures/ctrl-c.cjs")], {
    cwd: path.resolve(__dirname, "../.."),
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no job created:\n${out}`)), 15_000);
    child.stdout.on("data", () => {
      if (out.includes("created")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await new Promise((r) => setTimeout(r, 100));
  child.kill("SIGINT");
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("exit", (c, s) => resolve([c, s])),
  );
  expect(out).toContain("deleted job-forever");
  expect(out.match(/deleted/g)).toHaveLength(1);
  // The process ended by SIGINT, as an interrupted command does.
  expect(signal ?? code).toBe(code === null ? "SIGINT" : 130);
}, 30_000);
