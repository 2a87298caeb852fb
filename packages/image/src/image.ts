import { z } from "zod";
import { ImageError } from "./errors";

/** Base image when none is given: Debian 12 slim (glibc, as the official Node.js binaries need). */
export const DEFAULT_BASE_IMAGE = "docker.io/library/debian:bookworm-slim";
/**
 * Node.js put into images: the 24.x LTS line, from the npm registry's `node-linux-<arch>` package (the
 * official binary), so no base image with Node has to be pulled. Pinned so that the same inputs give the
 * same image; bump it deliberately.
 */
export const DEFAULT_NODE_VERSION = "24.22.3";
/** Numeric user the server runs as (Kubernetes' runAsNonRoot can only check a numeric USER). */
export const DEFAULT_UID = 65532;

export interface DebianBaseOptions {
  /** Registry and namespace to push to: `ghcr.io/acme`, `123456789012.dkr.ecr.us-west-2.amazonaws.com`, `localhost`. */
  registry: string;
  /** Repository name under the registry, e.g. `bigquery-connector`. */
  name: string;
  /** Exact Node.js version for the image. Default {@link DEFAULT_NODE_VERSION}. */
  nodeVersion?: string;
}

const registrySchema = z
  .string()
  .min(1)
  .regex(
    /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/i,
    "a registry host with optional port and path, without a scheme (ghcr.io/acme, 127.0.0.1:5000)",
  );
const nameSchema = z
  .string()
  .regex(
    /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
    "lower-case letters, digits and . _ - /",
  );
const tagSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "letters, digits, . _ -, at most 128");
const nodeVersionSchema = z.string().regex(/^\d+\.\d+\.\d+$/, "an exact version such as 24.22.3");
const envKeySchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");
const refSchema = z
  .string()
  .min(1)
  .regex(/^[^\s]+$/, "an image reference without spaces");
const uidSchema = z
  .number()
  .int()
  .min(1)
  .max(2 ** 31 - 1);

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ImageError(
      "bad-input",
      `${what}: ${JSON.stringify(value)} is not valid: ${parsed.error.issues.map((i) => i.message).join("; ")}`,
    );
  }
  return parsed.data;
}

interface ImageSpec {
  registry: string;
  name: string;
  nodeVersion: string;
  baseImage: string;
  connectors: readonly string[];
  npmPackages: readonly string[];
  env: Readonly<Record<string, string>>;
  tag?: string;
  uid: number;
}

/**
 * What goes into a connector image. Immutable: every `with...` returns a new Image.
 *
 * ```ts
 * const image = Image.fromDebianBase({ registry: "ghcr.io/acme", name: "bigquery-connector" })
 *   .withConnectors("@flyte-connectors/connector-bigquery")
 *   .withEnv({ LOG_LEVEL: "info" });
 * ```
 */
export class Image {
  /** Registry and namespace, e.g. `ghcr.io/acme`. */
  readonly registry: string;
  /** Repository name. */
  readonly name: string;
  /** Node.js version copied into the image. */
  readonly nodeVersion: string;
  /** The image to build on: any glibc Linux (Debian, Ubuntu, distroless/cc). */
  readonly baseImage: string;
  /** Connector packages: workspace package names (`@flyte-connectors/connector-bigquery`, `bigquery`) or npm specs (`@acme/x@1.2.3`). */
  readonly connectors: readonly string[];
  /** Other npm packages to install next to the connectors (their bins land on PATH). */
  readonly npmPackages: readonly string[];
  /** Environment variables set in the image. */
  readonly env: Readonly<Record<string, string>>;
  /** Tag; undefined means a content hash of the build context. */
  readonly tag?: string;
  /** Numeric user and group the server runs as. */
  readonly uid: number;

  private constructor(spec: ImageSpec) {
    this.registry = spec.registry;
    this.name = spec.name;
    this.nodeVersion = spec.nodeVersion;
    this.baseImage = spec.baseImage;
    this.connectors = Object.freeze([...spec.connectors]);
    this.npmPackages = Object.freeze([...spec.npmPackages]);
    this.env = Object.freeze({ ...spec.env });
    this.tag = spec.tag;
    this.uid = spec.uid;
    Object.freeze(this);
  }

  /** An image on Debian 12 slim ({@link DEFAULT_BASE_IMAGE}) with the official Node.js binary, and no connectors yet. */
  static fromDebianBase(options: DebianBaseOptions): Image {
    return new Image({
      registry: check(registrySchema, options.registry.replace(/\/+$/, ""), "registry"),
      name: check(nameSchema, options.name, "name"),
      nodeVersion: check(nodeVersionSchema, options.nodeVersion ?? DEFAULT_NODE_VERSION, "nodeVersion"),
      baseImage: DEFAULT_BASE_IMAGE,
      connectors: [],
      npmPackages: [],
      env: {},
      uid: DEFAULT_UID,
    });
  }

  #with(change: Partial<ImageSpec>): Image {
    return new Image({ ...this.#spec(), ...change });
  }

  #spec(): ImageSpec {
    const { registry, name, nodeVersion, baseImage, connectors, npmPackages, env, tag, uid } = this;
    return { registry, name, nodeVersion, baseImage, connectors, npmPackages, env, tag, uid };
  }

  /** Adds connector packages; the image serves exactly these. Duplicates are dropped. */
  withConnectors(...specs: string[]): Image {
    for (const s of specs) check(z.string().min(1), s, "connector");
    return this.#with({ connectors: unique([...this.connectors, ...specs]) });
  }

  /** Adds npm packages that are not connectors (tools, a service a compose file runs from the same image). */
  withNpmPackages(...specs: string[]): Image {
    for (const s of specs) check(z.string().min(1), s, "npm package");
    return this.#with({ npmPackages: unique([...this.npmPackages, ...specs]) });
  }

  /** Sets environment variables in the image (merged over earlier ones). */
  withEnv(vars: Record<string, string>): Image {
    for (const [key, value] of Object.entries(vars)) {
      check(envKeySchema, key, "environment variable");
      check(z.string(), value, `value of ${key}`);
    }
    return this.#with({ env: { ...this.env, ...vars } });
  }

  /** Builds on another base image (a registry mirror of Debian, distroless/cc, an in-house base). */
  withBaseImage(ref: string): Image {
    return this.#with({ baseImage: check(refSchema, ref, "base image") });
  }

  /** Uses this tag instead of the content hash. */
  withTag(tag: string): Image {
    return this.#with({ tag: check(tagSchema, tag, "tag") });
  }

  /** Another Node.js version (exact: `24.22.3`, `26.12.1`). */
  withNodeVersion(version: string): Image {
    return this.#with({ nodeVersion: check(nodeVersionSchema, version, "nodeVersion") });
  }

  /** Runs the server as another numeric uid (and gid). */
  withUser(uid: number): Image {
    return this.#with({ uid: check(uidSchema, uid, "uid") });
  }

  /** `registry/name`, the reference without tag. */
  get repository(): string {
    return `${this.registry}/${this.name}`;
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
