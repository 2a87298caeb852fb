/** Keys, tokens and an HTTP helper for the emulator's tests. */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";

export function keyPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, publicPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

export async function jwtFor(
  privateKey: KeyObject,
  account: string,
  user: string,
  { lifetimeSeconds = 3600, issuedAgoSeconds = 0 } = {},
): Promise<string> {
  const der = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const fp = `SHA256:${createHash("sha256").update(der).digest("base64")}`;
  const iat = Math.floor(Date.now() / 1000) - issuedAgoSeconds;
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(`${account}.${user}.${fp}`)
    .setSubject(`${account}.${user}`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .sign(privateKey);
}

export async function call(
  url: string,
  token: string,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "x-snowflake-authorization-token-type": "KEYPAIR_JWT",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
