/** Child processes for the tests: commands that run to their end, and servers that run until stopped. */
import { spawn, type ChildProcess } from "node:child_process";
import { cleanEnv } from "./env";

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Ends the command (SIGKILL) after this long; a safety net, not something a test asserts on. */
  timeoutMs?: number;
}

/** Runs a command to its end and resolves with its exit and output; never rejects for a non-zero exit. */
export function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: "pipe" });
    child.stdin.end();
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a command that must succeed; rejects with its output otherwise. */
export async function mustRun(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} (in ${options.cwd}) exited ${result.code ?? result.signal}\n` +
        `--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`,
    );
  }
  return result;
}

/** A long-running child: its output as lines, and ways to wait for a line and to stop it. */
export class Server {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly #waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: "pipe" });
    this.child.stdin?.end();
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = "";
      stream?.on("data", (d: Buffer) => {
        const parts = (partial + d.toString()).split("\n");
        partial = parts.pop() ?? "";
        this.lines.push(...parts);
        for (const wake of this.#waiters) wake();
      });
    }
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    this.exited.then(() => {
      for (const wake of this.#waiters) wake();
    });
    Server.running.add(this);
    this.exited.then(() => Server.running.delete(this));
  }

  /** Every server not yet exited, so a failed test's afterAll can end them. */
  static readonly running = new Set<Server>();

  /** Resolves with the first line matching `pattern` (already printed or to come); rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const line of this.lines) {
          const match = pattern.exec(line);
          if (match) return finish(() => resolve(match));
        }
        if (this.child.exitCode !== null || this.child.signalCode !== null)
          finish(() => reject(new Error(`exited before printing ${pattern}:\n${this.lines.join("\n")}`)));
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${this.lines.join("\n")}`)),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Sends `signal` and resolves with how the process ended. */
  async stop(signal: NodeJS.Signals = "SIGTERM") {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Ends every server still running (SIGKILL): for afterAll, so a failed test leaves nothing behind. */
  static async killAll(): Promise<void> {
    await Promise.all([...Server.running].map((s) => s.stop("SIGKILL")));
  }
}
