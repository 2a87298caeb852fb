import { spawn, type SpawnOptions } from "node:child_process";
import { ImageError, type ImageErrorCode } from "./errors";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each line of output (stdout and stderr), as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Error code to throw with when the command fails. Default "build". */
  errorCode?: ImageErrorCode;
  /** Text for the error; default: the command line. */
  what?: string;
  hint?: string;
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command without a shell, streams its lines to `onLine`, and resolves with its whole output;
 * a non-zero exit throws an ImageError carrying the last lines of stderr.
 */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    signal: options.signal,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, spawnOptions);
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const partial = { stdout: "", stderr: "" };
    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]!.on("data", (chunk: Buffer) => {
        chunks[stream].push(chunk);
        if (!options.onLine) return;
        const text = partial[stream] + chunk.toString("utf8");
        const lines = text.split(/\r?\n/);
        partial[stream] = lines.pop() ?? "";
        for (const line of lines) if (line.trim()) options.onLine(line, stream);
      });
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      const missing = error.code === "ENOENT";
      reject(
        new ImageError(
          options.errorCode ?? "build",
          missing ? `${command}: command not found` : `${command}: ${error.message}`,
          {
            hint: options.hint,
            cause: error,
          },
        ),
      );
    });
    child.on("close", (code, signal) => {
      for (const stream of ["stdout", "stderr"] as const) {
        if (options.onLine && partial[stream].trim()) options.onLine(partial[stream], stream);
      }
      const stdout = Buffer.concat(chunks.stdout).toString("utf8");
      const stderr = Buffer.concat(chunks.stderr).toString("utf8");
      if (code === 0) return resolve({ stdout, stderr });
      const tail = stderr.trim().split("\n").slice(-15).join("\n");
      const what = options.what ?? [command, ...args].join(" ");
      reject(
        new ImageError(
          options.errorCode ?? "build",
          `${what} failed (${signal ?? `exit ${code}`})${tail ? `:\n${tail}` : ""}`,
          {
            hint: options.hint,
          },
        ),
      );
    });
  });
}

/** Whether `command` can be started (found on PATH and answers `args`, e.g. `--version`). */
export async function canRun(
  command: string,
  args: string[] = ["--version"],
  env?: NodeJS.ProcessEnv,
): Promise<boolean> {
  try {
    await run(command, args, { env });
    return true;
  } catch {
    return false;
  }
}
