/**
 * The smallest complete use of the executor (shown in the package README): a connector, a task class with
 * a typed interface, and `execute()`. Runs in `npm test` (test/executor/examples.test.ts), and as a
 * program after `npm run build`:
 *
 *   npx tsx packages/runtime/examples/word-count.ts "to be or not to be"    # prints 6
 */
import {
  AsyncConnector,
  AsyncConnectorExecutorMixin,
  ConnectorRegistry,
  TaskExecutionPhase as Phase,
  TaskTemplate,
  jsonMeta,
  types,
  type CreateContext,
  type Resource,
} from "@flyte-connectors/runtime";
import type { ExecuteOptions } from "@flyte-connectors/runtime/executor";

interface Meta {
  job_id: string;
  words: number;
}

/** A "service" that counts words: still counting at the first poll, done from the second on. */
export class WordCountConnector extends AsyncConnector<Meta> {
  readonly name = "Word Count Connector";
  readonly taskTypeName = "word_count";
  readonly metadata = jsonMeta<Meta>(["job_id", "words"]);
  readonly #polls = new Map<string, number>();

  async create({ inputs, idempotencyKey }: CreateContext): Promise<Meta> {
    const words = String(inputs.text).split(/\s+/).filter(Boolean).length;
    return { job_id: idempotencyKey, words };
  }

  async get(meta: Meta): Promise<Resource> {
    const polls = (this.#polls.get(meta.job_id) ?? 0) + 1;
    this.#polls.set(meta.job_id, polls);
    if (polls === 1) return { phase: Phase.RUNNING, message: "counting" };
    return { phase: Phase.SUCCEEDED, outputs: { words: meta.words } };
  }

  async delete(): Promise<void> {}
}

export class WordCountTask extends AsyncConnectorExecutorMixin(TaskTemplate) {
  // Declared as a field, the interface types execute(): inputs and outputs are checked at compile time.
  override readonly interface = { inputs: { text: types.string }, outputs: { words: types.int } };

  constructor() {
    super({ name: "word_count", taskType: "word_count" });
  }
}

/** Counts the words of `text` through the connector, as a script would. */
export async function countWords(text: string, options: ExecuteOptions = {}): Promise<number | bigint> {
  const registry = new ConnectorRegistry([new WordCountConnector()]);
  const { words } = await new WordCountTask().execute({ text }, { registry, ...options });
  return words;
}

// Run as a program (not when a test imports it): count the words of the arguments and print the count.
if (require.main === module) {
  countWords(process.argv.slice(2).join(" ") || "to be or not to be").then(
    (words) => console.log(String(words)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
