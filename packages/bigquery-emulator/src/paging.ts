/**
 * Page tokens: opaque to clients, an offset to the emulator. A token from one endpoint works with
 * another that pages the same rows (jobs.query, then jobs.getQueryResults).
 */
import { invalid } from "./errors";

export function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

export function offsetOf(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof parsed.o === "number" && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // reported below
  }
  throw invalid(`Invalid page token: ${token}`);
}

/** A non-negative integer query parameter, or the fallback when absent. */
export function intParam(value: string | undefined | null, name: string, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  if (!/^\d+$/.test(value)) throw invalid(`Invalid value for ${name}: ${value}`);
  return Number(value);
}

/** Where a page starts: `pageToken` wins over `startIndex`. */
export function pageStart(params: URLSearchParams): number {
  const token = params.get("pageToken");
  if (token) return offsetOf(token);
  return intParam(params.get("startIndex"), "startIndex", 0);
}
