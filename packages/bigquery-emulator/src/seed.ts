/**
 * Seed data: projects, datasets, tables with schemas and rows, from a YAML or JSON file or an
 * object. Validated before anything is created, with errors that name the offending path.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Catalog } from "./catalog";
import { ApiError } from "./errors";

export interface SeedField {
  name: string;
  /** Any BigQuery spelling: INT64 or INTEGER, FLOAT64 or FLOAT, BOOL or BOOLEAN, STRUCT or RECORD, ... */
  type: string;
  /** NULLABLE (the default), REQUIRED or REPEATED. */
  mode?: string;
  description?: string;
  /** Sub-fields of a RECORD. */
  fields?: SeedField[];
}

export interface SeedTable {
  id: string;
  description?: string;
  schema?: { fields: SeedField[] };
  /** Rows as `{column: value}`, values in the JSON form tabledata.insertAll accepts. */
  rows?: Array<Record<string, unknown>>;
  /** A view instead of a table: a GoogleSQL query. */
  view?: { query: string };
}

export interface SeedDataset {
  id: string;
  /** Default US. */
  location?: string;
  description?: string;
  tables?: SeedTable[];
}

export interface SeedProject {
  id: string;
  datasets?: SeedDataset[];
}

/** What `--data` files and the `data` option hold. */
export interface SeedData {
  projects?: SeedProject[];
  /** Datasets of the default project, a shorthand for `projects: [{ id: <default>, datasets }]`. */
  datasets?: SeedDataset[];
}

const MODES = ["NULLABLE", "REQUIRED", "REPEATED"];

const fieldSchema: z.ZodType<SeedField> = z.lazy(() =>
  z.strictObject({
    name: z.string().min(1),
    type: z.string().min(1),
    mode: z
      .string()
      .refine((m) => MODES.includes(m.toUpperCase()), { message: `mode must be one of ${MODES.join(", ")}` })
      .optional(),
    description: z.string().optional(),
    fields: z.array(fieldSchema).optional(),
  }),
);

const tableSchema = z
  .strictObject({
    id: z.string().min(1),
    description: z.string().optional(),
    schema: z.strictObject({ fields: z.array(fieldSchema).min(1) }).optional(),
    rows: z.array(z.record(z.string(), z.unknown())).optional(),
    view: z.strictObject({ query: z.string().min(1) }).optional(),
  })
  .refine((t) => (t.schema === undefined) !== (t.view === undefined), {
    message: "a table needs exactly one of schema or view",
  })
  .refine((t) => !(t.view && t.rows), { message: "a view cannot have rows" });

const datasetSchema = z.strictObject({
  id: z.string().min(1),
  location: z.string().min(1).optional(),
  description: z.string().optional(),
  tables: z.array(tableSchema).optional(),
});

const seedSchema = z.strictObject({
  projects: z
    .array(z.strictObject({ id: z.string().min(1), datasets: z.array(datasetSchema).optional() }))
    .optional(),
  datasets: z.array(datasetSchema).optional(),
});

export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SeedError";
  }
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "(root)";
}

/** Checks seed data, throwing a {@link SeedError} listing each bad path. */
export function validateSeed(data: unknown, source = "seed data"): SeedData {
  const result = seedSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
    throw new SeedError(`Invalid ${source}:\n${problems.join("\n")}`);
  }
  return result.data as SeedData;
}

/** Reads and validates a YAML or JSON seed file. */
export async function loadSeedFile(path: string): Promise<SeedData> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new SeedError(`Cannot read seed file ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SeedError(`Cannot parse seed file ${path}: ${(error as Error).message}`);
  }
  return validateSeed(data ?? {}, `seed file ${path}`);
}

/**
 * Creates what the seed describes. Datasets and tables that already exist (a reopened database
 * file) are left as they are, so restarting with the same seed does not duplicate rows.
 */
export async function applySeed(
  catalog: Catalog,
  seed: SeedData,
  defaultProject: string,
  source = "seed data",
): Promise<void> {
  const projects: Array<{ id: string; datasets: SeedDataset[]; at: string }> = (seed.projects ?? []).map(
    (p, i) => ({
      id: p.id,
      datasets: p.datasets ?? [],
      at: `projects[${i}]`,
    }),
  );
  if (seed.datasets) projects.push({ id: defaultProject, datasets: seed.datasets, at: "" });
  const fail = (at: string, error: unknown): never => {
    const message = error instanceof Error ? error.message : String(error);
    throw new SeedError(`Invalid ${source}: ${at}: ${message}`);
  };
  const views: Array<{
    ref: { projectId: string; datasetId: string; tableId: string };
    query: string;
    at: string;
  }> = [];
  for (const project of projects) {
    for (const [d, dataset] of project.datasets.entries()) {
      const datasetAt = `${project.at ? `${project.at}.` : ""}datasets[${d}]`;
      const datasetRef = { projectId: project.id, datasetId: dataset.id };
      if (!catalog.getDataset(datasetRef)) {
        await catalog
          .createDataset(datasetRef, {
            ...(dataset.location ? { location: dataset.location } : {}),
            ...(dataset.description !== undefined ? { description: dataset.description } : {}),
          })
          .catch((e: unknown) => fail(datasetAt, e));
      }
      for (const [t, table] of (dataset.tables ?? []).entries()) {
        const tableAt = `${datasetAt}.tables[${t}]`;
        const ref = { ...datasetRef, tableId: table.id };
        if (table.view) {
          views.push({ ref, query: table.view.query, at: tableAt });
          continue;
        }
        const exists = await catalog.describe(ref).then(
          () => true,
          (e: unknown) => (e instanceof ApiError && e.reason === "notFound" ? false : fail(tableAt, e)),
        );
        if (exists) continue;
        await catalog
          .createTable(ref, {
            schema: { fields: table.schema!.fields },
            ...(table.description !== undefined ? { description: table.description } : {}),
          })
          .catch((e: unknown) => fail(tableAt, e));
        if (table.rows?.length) {
          const errors = await catalog
            .insertRows(
              ref,
              table.rows.map((json) => ({ json })),
              {},
            )
            .catch((e: unknown) => fail(`${tableAt}.rows`, e));
          const bad = errors.flatMap((e) =>
            e.errors
              .filter((x) => x.reason !== "stopped")
              .map((x) => {
                const row = `${tableAt}.rows[${e.index}]`;
                // Value errors already start with the field's path.
                if (x.location && x.message.startsWith(`${x.location}`)) return `${row}.${x.message}`;
                return `${row}${x.location ? `.${x.location}` : ""}: ${x.message}`;
              }),
          );
          if (bad.length) throw new SeedError(`Invalid ${source}:\n  ${bad.slice(0, 20).join("\n  ")}`);
        }
      }
    }
  }
  for (const view of views) {
    const exists = await catalog.describe(view.ref).then(
      () => true,
      () => false,
    );
    if (!exists)
      await catalog
        .createTable(view.ref, { view: { query: view.query } })
        .catch((e: unknown) => fail(view.at, e));
  }
}
