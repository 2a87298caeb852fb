/** Shared assertions for the literal tests. */
import { fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  LiteralSchema,
  type Literal as UpstreamLiteral,
} from "@flyteorg/flyteidl2/flyteidl2/core/literals_pb.ts";
import { create } from "@bufbuild/protobuf";
import { ConnectorError } from "../../src/errors";
import { Literal } from "../../src/gen/flyteidl2/core/literals";

/** Runs `fn`, expects a bad-request `ConnectorError`, and checks its message names `path`. */
export function expectBadRequest(
  fn: () => unknown,
  path: string,
  messagePart?: string | RegExp,
): ConnectorError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConnectorError);
  const error = caught as ConnectorError;
  expect(error.code).toBe("bad_request");
  expect(error.message).toContain(path);
  if (messagePart !== undefined) expect(error.message).toMatch(messagePart);
  return error;
}

/** Our literal, through our encoder, as the upstream protobuf-es decoder reads it. */
export function upstreamView(literal: Literal): UpstreamLiteral {
  return fromBinary(LiteralSchema, Literal.encode(literal).finish());
}

/** An upstream-built literal, through the upstream encoder, as our decoder reads it. */
export function fromUpstream(init: MessageInitShape<typeof LiteralSchema>): Literal {
  return Literal.decode(toBinary(LiteralSchema, create(LiteralSchema, init)));
}

/** Bytes from a hex string with optional spaces. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));
}
