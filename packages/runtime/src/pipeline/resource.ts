import type { LogLink, Resource } from "../connector";
import { ConnectorError } from "../errors";
import { clip } from "../answers";
import type { Resource as ResourceProto } from "../gen/flyteidl2/connector/connector";
import { TaskLog_LinkType, type TaskLog } from "../gen/flyteidl2/core/execution";
import { nativeToOutputs } from "../literals";
import { isValidPhase } from "../phase";

/**
 * Longest phase message sent to the backend, in characters. It lands in the backend's database and the
 * UI; an external system's error page does not belong there whole.
 */
export const MAX_PHASE_MESSAGE_LENGTH = 4096;

const NO_LINKS: TaskLog[] = [];

/**
 * A connector's Resource as the wire wants it. UNDEFINED or unknown phases are the connector's bug and
 * never sent; `scrub` removes secret values from the message.
 */
export function resourceToProto(resource: Resource, scrub?: (text: string) => string): ResourceProto {
  if (!resource || typeof resource !== "object") {
    throw ConnectorError.internal("get() returned no resource");
  }
  if (!isValidPhase(resource.phase)) {
    throw ConnectorError.internal(
      `get() returned an invalid phase (${String(resource.phase)}); UNDEFINED is never sent`,
    );
  }
  let message =
    typeof resource.message === "string"
      ? resource.message
      : resource.message == null
        ? ""
        : String(resource.message);
  if (message && scrub) message = scrub(message);
  return {
    phase: resource.phase,
    message: clip(message, MAX_PHASE_MESSAGE_LENGTH),
    logLinks: resource.logLinks?.length ? resource.logLinks.map(logLinkToProto) : NO_LINKS,
    outputs: resource.outputs ? nativeToOutputs(resource.outputs) : undefined,
    customInfo: resource.customInfo ? (jsonSafe(resource.customInfo) as Record<string, unknown>) : undefined,
  };
}

const LINK_KINDS: Record<NonNullable<LogLink["kind"]>, TaskLog_LinkType> = {
  external: TaskLog_LinkType.EXTERNAL,
  dashboard: TaskLog_LinkType.DASHBOARD,
  ide: TaskLog_LinkType.IDE,
};

function logLinkToProto(link: LogLink): TaskLog {
  return {
    name: link.name,
    uri: link.uri,
    messageFormat: 0,
    ttl: undefined,
    ShowWhilePending: false,
    HideOnceFinished: false,
    linkType: LINK_KINDS[link.kind ?? "external"],
    ready: link.ready ?? true,
    iconUri: link.iconUri ?? "",
  };
}

/** JSON-representable copy (bigints as strings, Dates as ISO, undefined dropped) for Struct fields. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null",
  );
}
