import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { FlyteBackendSimulator, type CallRecord } from "./simulator";
import { startTestServer, type AnyConnector, type TestServer, type TestServerOptions } from "./test-server";
import { OutputsSchema, TaskExecution_Phase as Phase, type UpstreamResource } from "./upstream";
import { UpstreamClient } from "./upstream-client";
import { executionMetadata } from "./upstream-literals";
import { inputsInit, resolveTemplate, type TemplateInput } from "./wire-bridge";

/** The checks `connectorConformance` declares, by name (for `skip`). */
export type ConformanceCheck =
  | "discovery"
  | "create-idempotent"
  | "create-new-attempt"
  | "runs-to-success"
  | "get-repeatable"
  | "delete-after-completion"
  | "delete-running"
  | "delete-unknown"
  | "transient-get"
  | "bad-config"
  | "meta-round-trip"
  | "deadlines"
  | "no-secrets";

/** A task that succeeds against the fake external system. */
export interface ConformanceTask {
  /** A runtime `TaskTemplate` (your task class) or an upstream `TaskTemplate` init. */
  template: TemplateInput;
  /** Native inputs, converted by the runtime using the template's interface. Default none. */
  inputs?: Record<string, unknown>;
}

/** A template the connector must refuse. */
export interface BadConfig extends ConformanceTask {
  /** What the INVALID_ARGUMENT message must name, e.g. `custom.endpoint`. */
  field: string;
  /**
   * Secrets for this create, over `secrets` (a malformed credential, say). Their values are checked
   * never to appear anywhere, like `secrets`. Default none.
   */
  secrets?: Record<string, string>;
}

/** How the test makes the fake external system misbehave. */
export interface FaultHooks {
  /** While on, the external system answers as during an outage (HTTP 503, refused connections, ...). */
  unavailable(on: boolean): void | Promise<void>;
  /** While on, the external system accepts requests and never answers. Optional: the fake may not support it. */
  hang?(on: boolean): void | Promise<void>;
}

// The kit never looks inside metas except through the author's hooks.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMeta = any;

export interface ConformanceOptions<M = AnyMeta> {
  /** Title of the `describe` block. Default `connector conformance`. */
  name?: string;
  /**
   * The connector under test (or a factory, called once before the checks): it is served in a real
   * `ConnectorServer` on a free port. Give this or `endpoint`.
   */
  connector?: AnyConnector | (() => AnyConnector | Promise<AnyConnector>);
  /**
   * A running connector server (`host:port`, or a function giving it before the checks) instead of
   * `connector`. Then the meta check cannot decode metas and the secret check cannot read logs or metrics.
   */
  endpoint?: string | (() => string | Promise<string>);
  /** The task every check runs (called once per use, so it may build fresh objects). Required. */
  task: () => ConformanceTask | Promise<ConformanceTask>;
  /** The fake's fault hooks. Required: `unavailable`; `hang` where the fake supports it. */
  faults: FaultHooks;
  /**
   * Templates the connector must refuse with INVALID_ARGUMENT naming `field`. Required unless
   * `skip["bad-config"]` says why not.
   */
  badConfigs?: BadConfig[];
  /**
   * Sent as `connection.secrets` with every call; no value (nor a `badConfigs` secret) may appear in any
   * error, phase message, log link, custom info, server log line or metric (also URL- or base64-encoded).
   * Required (here or in `badConfigs`) unless `skip["no-secrets"]` says why not.
   */
  secrets?: Record<string, string>;
  /** Sent as `connection.configs` with every call. Default none. */
  configs?: Record<string, string>;
  /**
   * The meta of a job the external system never knew, made from a real one. Default: the real meta with
   * `job_id` replaced (needs `connector`, and a meta with a string `job_id`).
   */
  unknownJob?: (meta: M) => M;
  /** Whether two metas name the same external job. Default: the decoded metas are deeply equal (bytes equal without `connector`). */
  sameJob?: (a: M, b: M) => boolean;
  /** Deadline of each call, ms. Default 10 000, the backend's. */
  callTimeoutMs?: number;
  /** Deadline of the calls made while the fake hangs, ms. Default 3000. */
  hangDeadlineMs?: number;
  /** Real time between GetTask calls while waiting for the task to end, ms. Default 20. */
  pollIntervalMs?: number;
  /** How long the task may take to succeed, ms. Default 60 000. */
  jobTimeoutMs?: number;
  /** Options of the server started for `connector` (log level, secret sources). */
  server?: TestServerOptions;
  /** Checks to leave out, each with the reason; they show as skipped. Default none. */
  skip?: Partial<Record<ConformanceCheck, string>>;
}

type JestGlobals = typeof import("@jest/globals");

interface Recorded {
  method: string;
  code: number;
  details?: string;
  deadlineMs: number;
  durationMs: number;
}

const NON_TERMINAL = new Set([Phase.QUEUED, Phase.WAITING_FOR_RESOURCES, Phase.INITIALIZING, Phase.RUNNING]);

/**
 * Declares a jest `describe` block that checks a connector against the contract the Flyte 2 backend
 * imposes, over real gRPC with upstream-encoded requests, against the author's fake external system:
 *
 * - `discovery`: ListConnectors lists the task type.
 * - `create-idempotent` / `create-new-attempt`: the same attempt maps to the same job; the next attempt
 *   to a new one.
 * - `runs-to-success`: under the simulated backend the task succeeds, its outputs convert with the
 *   task's interface (every declared output, nothing undeclared), the later garbage-collection delete works.
 * - `get-repeatable`: GetTask on a finished job answers the same, again and again.
 * - `delete-after-completion`, `delete-running`, `delete-unknown`: DeleteTask succeeds, twice, for a
 *   finished job, a running one, and one the external system never knew.
 * - `transient-get`: during an outage GetTask answers a non-terminal phase with a message — never a gRPC
 *   error (the backend gives up after 5) and never UNDEFINED.
 * - `bad-config`: each bad template is INVALID_ARGUMENT naming its field.
 * - `meta-round-trip`: resource meta decodes, re-encodes and still works; garbage meta is INVALID_ARGUMENT.
 * - `deadlines`: every call answered within its deadline; with `faults.hang`, calls still answer in time
 *   while the external system hangs (GetTask with a non-terminal phase).
 * - `no-secrets`: no secret value in errors, phase messages, links, custom info, logs or metrics.
 *
 * @example
 * ```ts
 * connectorConformance({
 *   connector: () => new ModelTrainingConnector(),
 *   task: () => ({ template: new ModelTrainTask("train", service.endpoint), inputs: { epochs: 1, dataset_uri: "gs://b/d.csv" } }),
 *   faults: { unavailable: (on) => service.unavailable(on) },
 *   badConfigs: [{ template: new ModelTrainTask("train", "ftp://nope"), inputs: { epochs: 1, dataset_uri: "gs://b/d.csv" }, field: "custom.endpoint" }],
 *   secrets: { api_key: API_KEY },
 * });
 * ```
 */
export function connectorConformance<M = AnyMeta>(options: ConformanceOptions<M>): void {
  // Loaded here, not at the top: the rest of the kit must load outside jest.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { describe, it, beforeAll, afterAll } = require("@jest/globals") as JestGlobals;
  if ((options.connector === undefined) === (options.endpoint === undefined)) {
    throw new TypeError("connectorConformance needs exactly one of `connector` and `endpoint`");
  }
  const callMs = options.callTimeoutMs ?? 10_000;
  const hangMs = options.hangDeadlineMs ?? 3000;
  const pollMs = options.pollIntervalMs ?? 20;
  const jobMs = options.jobTimeoutMs ?? 60_000;
  const skip = options.skip ?? {};
  const secretValues = [options.secrets, ...(options.badConfigs ?? []).map((b) => b.secrets)]
    .flatMap((secrets) => Object.values(secrets ?? {}))
    .filter((v) => v.length > 0);
  const connection = { secrets: options.secrets ?? {}, configs: options.configs ?? {} };
  const runId = randomUUID().replace(/-/g, "").slice(0, 10);
  let runs = 0;

  let server: TestServer | undefined;
  let connector: AnyConnector | undefined;
  let client: UpstreamClient;
  let address: string;
  let category = { name: "", version: 0 };
  const recorded: Recorded[] = [];
  /** Every text a secret must not appear in: error details, phase messages, links, custom info. */
  const seen: string[] = [];
  let completedMeta: Uint8Array | undefined;
  let completedResource: UpstreamResource | undefined;

  async function record<T>(method: string, deadlineMs: number, send: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await send();
      recorded.push({ method, code: GrpcStatus.OK, deadlineMs, durationMs: performance.now() - started });
      const resource = (value as { resource?: UpstreamResource }).resource;
      if (resource) seen.push(...resourceTexts(resource));
      return value;
    } catch (error) {
      const e = error as ServiceError;
      recorded.push({
        method,
        code: e.code,
        details: e.details,
        deadlineMs,
        durationMs: performance.now() - started,
      });
      seen.push(String(e.details ?? e.message));
      throw error;
    }
  }

  async function createRequest(
    task: ConformanceTask,
    run: string,
    attempt: number,
    secrets?: Record<string, string>,
  ) {
    const { init, iface } = resolveTemplate(task.template);
    return {
      template: init,
      inputs: task.inputs ? inputsInit(task.inputs, iface) : undefined,
      outputPrefix: `s3://flyte-conformance/${run}/n0`,
      taskExecutionMetadata: executionMetadata(run, attempt),
      connection: secrets ? { ...connection, secrets: { ...connection.secrets, ...secrets } } : connection,
    };
  }

  async function createJob(
    task?: ConformanceTask,
    run = nextRun(),
    attempt = 0,
    deadlineMs = callMs,
    secrets?: Record<string, string>,
  ) {
    const request = await createRequest(task ?? (await options.task()), run, attempt, secrets);
    const { resourceMeta } = await record("CreateTask", deadlineMs, () =>
      client.createTask(request, { deadlineMs }),
    );
    return resourceMeta;
  }

  const getTask = (resourceMeta: Uint8Array, deadlineMs = callMs) =>
    record("GetTask", deadlineMs, () =>
      client.getTask({ resourceMeta, taskCategory: category, connection }, { deadlineMs }),
    );
  const deleteTask = (resourceMeta: Uint8Array, deadlineMs = callMs) =>
    record("DeleteTask", deadlineMs, () =>
      client.deleteTask({ resourceMeta, taskCategory: category, connection }, { deadlineMs }),
    );

  function nextRun(): string {
    runs += 1;
    return `conf${runId}r${runs}`;
  }

  function decode(bytes: Uint8Array): M {
    return connector!.metadata.decode(bytes) as M;
  }

  function sameJob(a: Uint8Array, b: Uint8Array): boolean {
    if (!connector) return Buffer.from(a).equals(Buffer.from(b));
    return options.sameJob ? options.sameJob(decode(a), decode(b)) : isDeepStrictEqual(decode(a), decode(b));
  }

  async function expectOk<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const e = error as ServiceError;
      throw new Error(`${what} failed with ${codeName(e.code)}: ${e.details ?? e.message}`);
    }
  }

  /** Declares a check, or a skipped one when the author said why. */
  function check(
    name: ConformanceCheck,
    title: string,
    body: () => Promise<void>,
    timeout = callMs * 3 + 5000,
  ) {
    const reason = skip[name];
    if (reason) it.skip(`${name}: ${title} (skipped: ${reason})`, () => undefined);
    else it(`${name}: ${title}`, body, timeout);
  }

  describe(options.name ?? "connector conformance", () => {
    beforeAll(async () => {
      if (options.connector !== undefined) {
        connector = typeof options.connector === "function" ? await options.connector() : options.connector;
        server = await startTestServer(connector, options.server);
        address = server.address;
      } else {
        address = typeof options.endpoint === "function" ? await options.endpoint() : options.endpoint!;
      }
      client = new UpstreamClient(address);
      const { init } = resolveTemplate((await options.task()).template);
      category = { name: init.type ?? "", version: init.taskTypeVersion ?? 0 };
    }, 60_000);

    afterAll(async () => {
      client?.close();
      await server?.close();
    }, 30_000);

    check("discovery", "ListConnectors lists the task type", async () => {
      const { connectors } = await expectOk("ListConnectors", () =>
        client.listConnectors({ deadlineMs: callMs }),
      );
      const listed = connectors.flatMap((c) => c.supportedTaskCategories);
      if (!listed.some((t) => t.name === category.name && t.version === category.version)) {
        throw new Error(
          `ListConnectors does not list "${category.name}" v${category.version}; it lists ` +
            `${listed.map((t) => `"${t.name}" v${t.version}`).join(", ") || "nothing"}. The backend would never route the task here.`,
        );
      }
    });

    check("create-idempotent", "CreateTask twice for the same attempt gives the same job", async () => {
      const run = nextRun();
      const first = await expectOk("CreateTask", () => createJob(undefined, run));
      const again = await expectOk("CreateTask again (same attempt)", () => createJob(undefined, run));
      await deleteTask(first).catch(() => undefined);
      if (!sameJob(first, again)) {
        throw new Error(
          "create is not idempotent: the same task attempt (same task execution id) made two jobs " +
            `(${describeMeta(first)} and ${describeMeta(again)}). The backend retries a create that timed out; ` +
            "use ctx.idempotencyKey as the external system's idempotency key or job id.",
        );
      }
    });

    check("create-new-attempt", "CreateTask for the next retry attempt gives a new job", async () => {
      const run = nextRun();
      const first = await expectOk("CreateTask (attempt 0)", () => createJob(undefined, run, 0));
      const retry = await expectOk("CreateTask (attempt 1)", () => createJob(undefined, run, 1));
      await deleteTask(first).catch(() => undefined);
      await deleteTask(retry).catch(() => undefined);
      if (sameJob(first, retry)) {
        throw new Error(
          `a new retry attempt got the old attempt's job (${describeMeta(first)}): a retry must start a new job`,
        );
      }
    });

    check(
      "runs-to-success",
      "the task succeeds under the simulated backend, with outputs that match the interface",
      async () => {
        const simulator = await FlyteBackendSimulator.start({
          endpoint: address,
          resyncIntervalMs: pollMs,
          defaultTimeoutMs: callMs,
          deleteRetryIntervalMs: pollMs,
        });
        try {
          const task = await options.task();
          const running = simulator.run({ ...task, ...connection, execution: { name: nextRun() } });
          const report = await withTimeout(running, jobMs, `the task did not end within ${jobMs} ms`);
          for (const call of report.calls) noteCall(call);
          if (report.resource) seen.push(...resourceTexts(report.resource));
          if (report.outcome !== "SUCCEEDED") {
            throw new Error(
              `the task ended ${report.outcome}: ${report.reason}\ncalls: ${describeCalls(report.calls)}`,
            );
          }
          if (report.outputsError)
            throw new Error(`the outputs do not match the interface: ${report.outputsError}`);
          const declared = declaredOutputs(task.template);
          const undeclared = (report.outputLiterals?.literals ?? [])
            .map((l) => l.name)
            .filter((n) => !declared.includes(n));
          if (undeclared.length) {
            throw new Error(
              `outputs the interface does not declare: ${undeclared.join(", ")} (declared: ${declared.join(", ") || "none"})`,
            );
          }
          const gc = report.calls.filter((c) => c.purpose === "garbage-collection");
          if (!report.deletesSucceeded || gc.some((c) => c.code !== GrpcStatus.OK)) {
            throw new Error(`DeleteTask after completion (garbage collection) failed: ${describeCalls(gc)}`);
          }
          completedMeta = report.attempts.at(-1)?.resourceMeta;
          completedResource = report.resource;
        } finally {
          await simulator.close();
        }
      },
      jobMs + 10_000,
    );

    check("get-repeatable", "GetTask on a finished job answers the same every time", async () => {
      const meta = await finishedJob();
      const a = (await expectOk("GetTask", () => getTask(meta))).resource!;
      const b = (await expectOk("GetTask again", () => getTask(meta))).resource!;
      if (a.phase !== Phase.SUCCEEDED || b.phase !== Phase.SUCCEEDED) {
        throw new Error(
          `a finished job answered ${phaseName(a.phase)}, then ${phaseName(b.phase)}; expected SUCCEEDED both times`,
        );
      }
      const bytes = (r: UpstreamResource) =>
        Buffer.from(toBinary(OutputsSchema, r.outputs ?? create(OutputsSchema)));
      if (!bytes(a).equals(bytes(b))) throw new Error("GetTask on a finished job answered different outputs");
    });

    check("delete-after-completion", "DeleteTask on a finished job succeeds, twice", async () => {
      const meta = await finishedJob();
      await expectOk("DeleteTask after completion", () => deleteTask(meta));
      await expectOk("DeleteTask after completion, again", () => deleteTask(meta));
    });

    check("delete-running", "DeleteTask on a running job succeeds, twice", async () => {
      const meta = await expectOk("CreateTask", () => createJob());
      await expectOk("DeleteTask of a running job", () => deleteTask(meta));
      await expectOk("DeleteTask of a running job, again", () => deleteTask(meta));
    });

    check("delete-unknown", "DeleteTask of a job the external system never knew succeeds", async () => {
      const real = await expectOk("CreateTask", () => createJob());
      await deleteTask(real).catch(() => undefined);
      const unknown = unknownJobBytes(real);
      await expectOk("DeleteTask of a job the external system never knew", () => deleteTask(unknown));
    });

    check(
      "transient-get",
      "during an outage GetTask answers a non-terminal phase with a message",
      async () => {
        const meta = await expectOk("CreateTask", () => createJob());
        await options.faults.unavailable(true);
        let resource: UpstreamResource | undefined;
        let failure: string | undefined;
        try {
          resource = (await getTask(meta)).resource;
        } catch (error) {
          const e = error as ServiceError;
          failure = `${codeName(e.code)}: ${e.details}`;
        } finally {
          await options.faults.unavailable(false);
        }
        await deleteTask(meta).catch(() => undefined);
        if (failure) {
          throw new Error(
            `GetTask failed during an outage (${failure}). The backend counts failed GetTask calls and fails the task ` +
              "after 5: answer a non-terminal phase (RUNNING) with a message instead, and let the next poll try again.",
          );
        }
        if (!resource || !NON_TERMINAL.has(resource.phase)) {
          throw new Error(
            `GetTask during an outage answered ${phaseName(resource?.phase)}; expected a non-terminal phase`,
          );
        }
        if (!resource.message)
          throw new Error("GetTask during an outage answered no message: say what is wrong");
      },
    );

    check("bad-config", "each bad template is INVALID_ARGUMENT naming its field", async () => {
      const bad = options.badConfigs ?? [];
      if (bad.length === 0) {
        throw new Error(
          'give `badConfigs` (a template and the field it gets wrong), or `skip: { "bad-config": "why" }`',
        );
      }
      const problems: string[] = [];
      for (const { field, secrets, ...task } of bad) {
        try {
          const meta = await createJob(task, nextRun(), 0, callMs, secrets);
          await deleteTask(meta).catch(() => undefined);
          problems.push(`a template with a bad ${field} was accepted`);
        } catch (error) {
          const e = error as ServiceError;
          if (e.code !== GrpcStatus.INVALID_ARGUMENT)
            problems.push(
              `a bad ${field} gave ${codeName(e.code)} (${e.details}); expected INVALID_ARGUMENT`,
            );
          else if (!String(e.details).includes(field))
            problems.push(`the message for a bad ${field} does not name it: "${e.details}"`);
        }
      }
      if (problems.length) throw new Error(problems.join("\n"));
    });

    check(
      "meta-round-trip",
      "resource meta survives bytes: decoded, re-encoded, sent back; garbage is INVALID_ARGUMENT",
      async () => {
        const meta = await expectOk("CreateTask", () => createJob());
        try {
          if (connector) {
            const decoded = decode(meta);
            const again = connector.metadata.encode(decoded);
            const redecoded = decode(again);
            if (!isDeepStrictEqual(decoded, redecoded)) {
              throw new Error(
                `meta changes through encode/decode: ${JSON.stringify(decoded)} became ${JSON.stringify(redecoded)}`,
              );
            }
            await expectOk("GetTask with the re-encoded meta", () => getTask(again));
          } else {
            await expectOk("GetTask with the meta", () => getTask(Uint8Array.from(meta)));
          }
          const garbage = await getTask(Buffer.from("\u0000not a resource meta\u00ff")).then(
            () => undefined,
            (error: ServiceError) => error,
          );
          if (!garbage)
            throw new Error("GetTask with garbage resource meta succeeded; expected INVALID_ARGUMENT");
          if (garbage.code !== GrpcStatus.INVALID_ARGUMENT) {
            throw new Error(
              `garbage resource meta gave ${codeName(garbage.code)} (${garbage.details}); expected INVALID_ARGUMENT`,
            );
          }
        } finally {
          await deleteTask(meta).catch(() => undefined);
        }
      },
    );

    const hang = options.faults.hang;
    check(
      "deadlines",
      hang
        ? "every call answers within its deadline, also while the external system hangs"
        : "every call answered within its deadline (no hang hook given)",
      async () => {
        if (hang) {
          const meta = await expectOk("CreateTask", () => createJob());
          await hang(true);
          const problems: string[] = [];
          try {
            // All three at once: each must answer within its own deadline while the system hangs.
            const [got, created, deleted] = await Promise.all([
              getTask(meta, hangMs).then(
                (r) => r.resource,
                (error: ServiceError) => error,
              ),
              createJob(undefined, nextRun(), 0, hangMs).then(
                () => undefined,
                (e: ServiceError) => e,
              ),
              deleteTask(meta, hangMs).then(
                () => undefined,
                (e: ServiceError) => e,
              ),
            ]);
            if (!got || "code" in got) {
              problems.push(
                `GetTask while the external system hangs: ${got ? `${codeName(got.code)} (${got.details})` : "no resource"}; expected a non-terminal phase before the deadline (use ctx.beforeDeadline())`,
              );
            } else if (!NON_TERMINAL.has(got.phase)) {
              problems.push(
                `GetTask while the external system hangs answered ${phaseName(got.phase)}; expected a non-terminal phase`,
              );
            }
            for (const [what, error] of [
              ["CreateTask", created],
              ["DeleteTask", deleted],
            ] as const) {
              if (error?.code === GrpcStatus.DEADLINE_EXCEEDED) {
                problems.push(
                  `${what} while the external system hangs ran past its ${hangMs} ms deadline; answer (UNAVAILABLE is fine) before it`,
                );
              }
            }
          } finally {
            await hang(false);
          }
          await deleteTask(meta).catch(() => undefined);
          if (problems.length) throw new Error(problems.join("\n"));
        }
        const late = recorded.filter((r) => r.code === GrpcStatus.DEADLINE_EXCEEDED);
        if (late.length) {
          throw new Error(
            `calls ran past their deadline: ${late.map((r) => `${r.method} (${Math.round(r.durationMs)} ms of ${r.deadlineMs})`).join(", ")}`,
          );
        }
      },
      callMs * 3 + hangMs * 4 + 5000,
    );

    check("no-secrets", "no secret value in errors, phase messages, logs or metrics", async () => {
      if (secretValues.length === 0) {
        throw new Error(
          'give `secrets` (sent with every call, or with a bad config), or `skip: { "no-secrets": "why" }`',
        );
      }
      if (completedResource) seen.push(...resourceTexts(completedResource));
      const places: Array<[string, string]> = [
        ["an error or phase message the backend got", seen.join("\n")],
      ];
      if (server) {
        places.push(["the server's logs", server.logs.text]);
        places.push(["the metrics", await server.metricsText()]);
      }
      const leaks: string[] = [];
      for (const [where, text] of places) {
        for (const secret of secretValues) {
          const form = leakedForm(text, secret);
          if (form) leaks.push(`a secret (${form}) appears in ${where}: …${excerpt(text, secret, form)}…`);
        }
      }
      if (leaks.length) throw new Error(leaks.join("\n"));
    });
  });

  async function finishedJob(): Promise<Uint8Array> {
    if (completedMeta) return completedMeta;
    // runs-to-success was skipped or failed: run one here.
    const meta = await expectOk("CreateTask", () => createJob());
    const deadline = performance.now() + jobMs;
    for (;;) {
      const resource = (await expectOk("GetTask", () => getTask(meta))).resource!;
      if (resource.phase === Phase.SUCCEEDED) return (completedMeta = meta);
      if (!NON_TERMINAL.has(resource.phase))
        throw new Error(`the task ended ${phaseName(resource.phase)}: ${resource.message}`);
      if (performance.now() > deadline) throw new Error(`the task did not succeed within ${jobMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  function unknownJobBytes(real: Uint8Array): Uint8Array {
    if (!connector) {
      throw new Error("delete-unknown needs `connector` (to make a meta), or skip it with a reason");
    }
    const meta = decode(real);
    if (options.unknownJob) return connector.metadata.encode(options.unknownJob(meta));
    const value = meta as Record<string, unknown>;
    if (typeof value?.job_id !== "string") {
      throw new Error(
        "the meta has no string job_id: give `unknownJob` (a real meta → one the external system never knew)",
      );
    }
    return connector.metadata.encode({ ...value, job_id: `flyte_never_known_${runId}` });
  }

  function noteCall(call: CallRecord): void {
    recorded.push({
      method: call.method,
      code: call.code,
      details: call.message,
      deadlineMs: call.deadlineMs,
      durationMs: call.durationMs,
    });
    if (call.message) seen.push(call.message);
  }

  function describeMeta(bytes: Uint8Array): string {
    try {
      return connector ? JSON.stringify(decode(bytes)) : Buffer.from(bytes).toString("base64");
    } catch {
      return `${bytes.length} bytes`;
    }
  }
}

function declaredOutputs(template: TemplateInput): string[] {
  const { iface } = resolveTemplate(template);
  return iface?.outputs?.variables.map((v) => v.key) ?? [];
}

function resourceTexts(resource: UpstreamResource): string[] {
  return [
    resource.message,
    ...resource.logLinks.map((l) => `${l.name} ${l.uri}`),
    resource.customInfo ? JSON.stringify(resource.customInfo) : "",
  ].filter(Boolean);
}

/** How `secret` shows in `text`, if it does: as is, URL-encoded, base64 or JSON-escaped. */
function leakedForm(text: string, secret: string): string | undefined {
  const forms: Array<[string, string]> = [
    ["as is", secret],
    ["URL-encoded", encodeURIComponent(secret)],
    ["base64", Buffer.from(secret).toString("base64").replace(/=+$/, "")],
    ["base64url", Buffer.from(secret).toString("base64url")],
    ["JSON-escaped", JSON.stringify(secret).slice(1, -1)],
  ];
  for (const [name, form] of forms) if (form.length >= 4 && text.includes(form)) return name;
  return undefined;
}

/** Where the secret is, with the secret itself masked. */
function excerpt(text: string, secret: string, form: string): string {
  const encoded =
    form === "URL-encoded"
      ? encodeURIComponent(secret)
      : form.startsWith("base64")
        ? form === "base64"
          ? Buffer.from(secret).toString("base64").replace(/=+$/, "")
          : Buffer.from(secret).toString("base64url")
        : form === "JSON-escaped"
          ? JSON.stringify(secret).slice(1, -1)
          : secret;
  const at = text.indexOf(encoded);
  return `${text.slice(Math.max(0, at - 60), at)}<secret>${text.slice(at + encoded.length, at + encoded.length + 40)}`.replace(
    /\s+/g,
    " ",
  );
}

function describeCalls(calls: CallRecord[]): string {
  return calls
    .map(
      (c) =>
        `${c.method}${c.attempt === undefined ? "" : `#${c.attempt}`} ${c.phaseName ?? c.codeName}${c.message ? ` (${c.message})` : ""}`,
    )
    .join("; ");
}

function phaseName(phase: Phase | undefined): string {
  return phase === undefined ? "nothing" : (Phase[phase] ?? String(phase));
}

function codeName(code: number | undefined): string {
  const name = Object.entries(GrpcStatus).find(([, v]) => v === code)?.[0];
  return name ?? `status ${code}`;
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
