import { readFileSync } from "node:fs";
import { ImageError } from "./errors";
import { templateFile } from "./paths";

export const CONNECTOR_TEMPLATE = "connector.Dockerfile.tmpl";

export interface DockerfileValues {
  baseImage: string;
  nodeVersion: string;
  nodeArch: string;
  uid: number;
  env: Record<string, string>;
  labels: Record<string, string>;
  entrypoint: string[];
}

/** A Dockerfile string literal: double quotes, with `\`, `"` and `$` escaped (no variable expansion). */
function quote(value: string): string {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\n/g, "\\n")}"`;
}

function keyValueInstruction(instruction: "ENV" | "LABEL", record: Record<string, string>): string {
  const entries = Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return "";
  return `${instruction} ${entries.map(([k, v]) => `${k}=${quote(v)}`).join(" \\\n    ")}`;
}

/** Renders the connector Dockerfile from its template in `docker/`. */
export function renderDockerfile(
  values: DockerfileValues,
  template = readFileSync(templateFile(CONNECTOR_TEMPLATE), "utf8"),
): string {
  const slots: Record<string, string> = {
    BASE_IMAGE: values.baseImage,
    NODE_VERSION: values.nodeVersion,
    NODE_ARCH: values.nodeArch,
    UID: String(values.uid),
    ENV: keyValueInstruction("ENV", values.env),
    LABELS: keyValueInstruction("LABEL", values.labels),
    ENTRYPOINT: JSON.stringify(values.entrypoint),
  };
  const rendered = template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, slot: string) => {
    if (!(slot in slots))
      throw new ImageError("bad-input", `template ${CONNECTOR_TEMPLATE} has an unknown slot ${whole}`);
    return slots[slot];
  });
  // An empty ENV slot leaves a blank line; collapse runs of blank lines so the output stays tidy.
  return rendered.replace(/\n{3,}/g, "\n\n");
}
