/**
 * The one error class of this package. `code` says which step failed; `hint` says what to do about it
 * (install a tool, build first, ...) and is printed by the CLI on its own line.
 */
export type ImageErrorCode =
  | "bad-input" // options or flags that cannot work
  | "workspace" // the monorepo is not where or as expected (not built, unknown package)
  | "npm" // packing or installing packages failed
  | "connectors" // the staged packages do not load, or provide no connectors
  | "no-builder" // no container builder on this machine
  | "build" // the builder failed
  | "push"; // pushing to the registry failed

export class ImageError extends Error {
  override readonly name = "ImageError";
  readonly code: ImageErrorCode;
  readonly hint?: string;

  constructor(code: ImageErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}
