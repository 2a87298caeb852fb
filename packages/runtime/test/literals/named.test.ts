/** Named inputs and outputs ↔ records of natives, typed by a `TypedInterface`. */
import { fromBinary } from "@bufbuild/protobuf";
import { InputsSchema } from "@flyteorg/flyteidl2/flyteidl2/task/common_pb.ts";
import type { TypedInterface } from "../../src/gen/flyteidl2/core/interface";
import {
  BlobType_BlobDimensionality,
  type LiteralType,
  SimpleType,
} from "../../src/gen/flyteidl2/core/types";
import { Inputs, Outputs } from "../../src/gen/flyteidl2/task/common";
import {
  FlyteFile,
  inputsToNative,
  nativeToInputs,
  nativeToOutputs,
  outputsToNative,
  toLiteral,
} from "../../src/literals";
import { blobType, simpleType, unionType } from "../../src/literals/literal-types";
import { expectBadRequest } from "./helpers";

const INT = simpleType(SimpleType.INTEGER);
const STRING = simpleType(SimpleType.STRING);
const OPTIONAL_STRING = unionType([STRING, simpleType(SimpleType.NONE)]);

function variables(entries: Array<[string, LiteralType]>) {
  return { variables: entries.map(([key, type]) => ({ key, value: { type, description: "" } })) };
}

const iface: TypedInterface = {
  inputs: variables([
    ["epochs", INT],
    ["dataset_uri", STRING],
    ["note", OPTIONAL_STRING],
  ]),
  outputs: variables([["results", blobType(BlobType_BlobDimensionality.SINGLE)]]),
};

describe("nativeToInputs / inputsToNative", () => {
  it("round-trips through the wire in declaration order, with absent optionals sent as none", () => {
    const inputs = nativeToInputs({ dataset_uri: "gs://b/d.csv", epochs: 3 }, iface);
    expect(inputs.literals.map((l) => l.name)).toEqual(["epochs", "dataset_uri", "note"]);
    const wire = Inputs.decode(Inputs.encode(inputs).finish());
    expect(inputsToNative(wire, iface)).toEqual({ epochs: 3, dataset_uri: "gs://b/d.csv", note: null });
  });

  it("is readable by the upstream decoder", () => {
    const inputs = nativeToInputs({ epochs: 2n ** 62n, dataset_uri: "u", note: "n" }, iface);
    const upstream = fromBinary(InputsSchema, Inputs.encode(inputs).finish());
    expect(upstream.literals.map((l) => l.name)).toEqual(["epochs", "dataset_uri", "note"]);
    expect(upstream.literals[0]?.value?.value).toMatchObject({
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: 2n ** 62n } } } },
    });
    expect(upstream.literals[2]?.value?.value).toMatchObject({
      case: "scalar",
      value: { value: { case: "union" } },
    });
  });

  it("rejects a missing required input, naming it", () => {
    const error = expectBadRequest(
      () => nativeToInputs({ epochs: 1 }, iface),
      "inputs.dataset_uri",
      /required input 'dataset_uri' is missing/,
    );
    expect(error.details.input).toBe("dataset_uri");
    expectBadRequest(
      () => nativeToInputs({ epochs: 1, dataset_uri: undefined }, iface),
      "inputs.dataset_uri",
      /missing/,
    );
  });

  it("rejects unknown inputs, listing the declared ones", () => {
    expectBadRequest(
      () => nativeToInputs({ epochs: 1, dataset_uri: "u", epoch: 2 }, iface),
      "inputs.epoch",
      /unknown input 'epoch'; the task declares: epochs, dataset_uri, note/,
    );
  });

  it("rejects values of the wrong type with the input's path", () => {
    expectBadRequest(
      () => nativeToInputs({ epochs: "3", dataset_uri: "u" }, iface),
      "inputs.epochs",
      /expected integer/,
    );
  });

  it("rejects something other than a plain object", () => {
    expectBadRequest(
      () => nativeToInputs([] as unknown as Record<string, unknown>, iface),
      "inputs",
      /plain object/,
    );
  });

  it("guesses every type without an interface", () => {
    const inputs = nativeToInputs({ a: 1, b: [new FlyteFile("s3://f")] });
    expect(inputsToNative(inputs)).toEqual({ a: 1, b: [new FlyteFile("s3://f")] });
    expect(inputs.context).toEqual([]);
  });

  it("decodes names the interface does not declare by guessing", () => {
    const inputs: Inputs = {
      literals: [
        { name: "epochs", value: toLiteral(1) },
        { name: "dataset_uri", value: toLiteral("u") },
        { name: "extra", value: toLiteral({ k: [1, 2] }) },
      ],
      context: [],
    };
    expect(inputsToNative(inputs, iface)).toEqual({ epochs: 1, dataset_uri: "u", extra: { k: [1, 2] } });
  });

  it("rejects a literal that does not fit the declared input", () => {
    const inputs: Inputs = {
      literals: [
        { name: "epochs", value: toLiteral("x") },
        { name: "dataset_uri", value: toLiteral("u") },
      ],
      context: [],
    };
    expectBadRequest(
      () => inputsToNative(inputs, iface),
      "inputs.epochs",
      /expected integer, got a string literal/,
    );
  });

  it("rejects missing required, duplicated and empty named literals", () => {
    expectBadRequest(
      () => inputsToNative({ literals: [{ name: "epochs", value: toLiteral(1) }], context: [] }, iface),
      "inputs.dataset_uri",
      /missing/,
    );
    expectBadRequest(
      () =>
        inputsToNative({
          literals: [
            { name: "a", value: toLiteral(1) },
            { name: "a", value: toLiteral(2) },
          ],
          context: [],
        }),
      "inputs.a",
      /given twice/,
    );
    expectBadRequest(
      () => inputsToNative({ literals: [{ name: "a" }], context: [] }),
      "inputs.a",
      /has no literal/,
    );
  });

  it("leaves out missing optional inputs and treats undefined inputs as empty", () => {
    const inputs = nativeToInputs({ epochs: 1, dataset_uri: "u" }, iface);
    const withoutNote: Inputs = { ...inputs, literals: inputs.literals.filter((l) => l.name !== "note") };
    expect(inputsToNative(withoutNote, iface)).toEqual({ epochs: 1, dataset_uri: "u" });
    expect(inputsToNative(undefined)).toEqual({});
  });

  it("keeps a '__proto__' input as data", () => {
    const inputs = nativeToInputs(JSON.parse('{"__proto__": 5}') as Record<string, unknown>);
    const native = inputsToNative(inputs);
    expect(Object.getPrototypeOf(native)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(native, "__proto__")?.value).toBe(5);
  });
});

describe("nativeToOutputs / outputsToNative", () => {
  it("round-trips a file output given as a FlyteFile or a URI string", () => {
    for (const results of [new FlyteFile("s3://out/model.bin"), "s3://out/model.bin"]) {
      const outputs = nativeToOutputs({ results }, iface);
      const wire = Outputs.decode(Outputs.encode(outputs).finish());
      expect(outputsToNative(wire, iface)).toStrictEqual({ results: new FlyteFile("s3://out/model.bin") });
    }
  });

  it("rejects missing and unknown outputs with 'outputs.' paths", () => {
    const missing = expectBadRequest(
      () => nativeToOutputs({}, iface),
      "outputs.results",
      /required output 'results' is missing/,
    );
    expect(missing.details.input).toBe("results");
    expectBadRequest(
      () => nativeToOutputs({ results: "s3://x", other: 1 }, iface),
      "outputs.other",
      /unknown output/,
    );
    expectBadRequest(() => outputsToNative({ literals: [] }, iface), "outputs.results", /missing/);
  });

  it("guesses without declared outputs", () => {
    const outputs = nativeToOutputs({ n: 2.5 }, { inputs: undefined, outputs: undefined });
    expect(outputsToNative(outputs)).toEqual({ n: 2.5 });
    expect(outputsToNative(undefined, { outputs: { variables: [] } })).toEqual({});
  });
});
