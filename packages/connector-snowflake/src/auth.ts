/**
 * How the connector signs in to the SQL API: a key-pair JWT (the `snowflake_private_key` secret, PEM,
 * encrypted with `snowflake_private_key_passphrase` or not), or an OAuth token from `connection_kwargs`
 * (`authenticator: "oauth"`, `token`). The SQL API takes no password.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import type * as Jose from "jose";
import { ConnectorError, type CallContext } from "@flyte-connectors/runtime";

/** The secret holding the PEM private key of the Snowflake user (key-pair authentication). */
export const PRIVATE_KEY_SECRET = "snowflake_private_key";
/**
 * The secret holding an OAuth access token (with `connection_kwargs.authenticator: "oauth"`). A token in
 * `connection_kwargs.token` (the Python plugin's place) works for the submission, but is never stored
 * in resource_meta: polls and cancels then need this secret.
 */
export const OAUTH_TOKEN_SECRET = "snowflake_oauth_token";
/** The secret holding the private key's passphrase, when the key is encrypted. */
export const PASSPHRASE_SECRET = "snowflake_private_key_passphrase";
/** A JWT lives this long (Snowflake takes at most an hour). */
const JWT_LIFETIME_SECONDS = 59 * 60;

/** The account as Snowflake wants it in a JWT: upper case, a locator without `.region.cloud`. */
export const jwtAccount = (account: string) => account.split(".")[0]!.toUpperCase();

/** `SHA256:<base64 sha256 of the DER public key>`: what `DESC USER` shows as RSA_PUBLIC_KEY_FP. */
export function publicKeyFingerprint(privateKey: KeyObject): string {
  const der = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  return `SHA256:${createHash("sha256").update(der).digest("base64")}`;
}

/** The private key from its PEM text (and passphrase); a bad request naming the secret otherwise, never showing it. */
export function privateKeyOf(pem: string, passphrase: string | undefined): KeyObject {
  try {
    return createPrivateKey(
      passphrase ? { key: pem, format: "pem", passphrase } : { key: pem, format: "pem" },
    );
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const encrypted = /ENCRYPTED/.test(pem);
    const why =
      encrypted && !passphrase
        ? `the key is encrypted and the secret ${PASSPHRASE_SECRET} is not set`
        : encrypted
          ? `the key cannot be decrypted with ${PASSPHRASE_SECRET} (wrong passphrase?)`
          : "it is not a PEM private key (PKCS#8 or PKCS#1)";
    throw ConnectorError.badRequest(`the secret ${PRIVATE_KEY_SECRET} cannot be used: ${why}`, {
      details: { field: PRIVATE_KEY_SECRET, ...(typeof code === "string" ? { code } : {}) },
    });
  }
}

/** A key-pair JWT for `account`.`user`: issuer `<ACCOUNT>.<USER>.SHA256:<fp>`, subject `<ACCOUNT>.<USER>`, RS256. */
export async function keyPairJwt(
  account: string,
  user: string,
  key: KeyObject,
  now = Date.now(),
): Promise<string> {
  const qualified = `${jwtAccount(account)}.${user.toUpperCase()}`;
  const iat = Math.floor(now / 1000);
  // Loaded on first use, not when a server discovering this package starts. jose is ESM-only: Node
  // 20.19+ requires it synchronously (the packages' engines say >=20.19).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SignJWT } = require("jose") as typeof Jose;
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(`${qualified}.${publicKeyFingerprint(key)}`)
    .setSubject(qualified)
    .setIssuedAt(iat)
    .setExpirationTime(iat + JWT_LIFETIME_SECONDS)
    .sign(key);
}

/** Keys of `connection_kwargs` that hold credentials: never written to resource_meta. */
const CREDENTIAL_KEY = /token|password|passcode|secret|passphrase|private_key/i;

/** `connection_kwargs` without credentials, as resource_meta keeps them (the backend stores meta as is). */
export function withoutCredentials(kwargs: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).filter(([key]) => !CREDENTIAL_KEY.test(key)));
}

/** The authentication headers of a call; throws a bad request naming what to set when none can be made. */
export async function authHeaders(
  ctx: CallContext,
  account: string,
  user: string,
  connectionKwargs: Readonly<Record<string, unknown>>,
): Promise<Record<string, string>> {
  const authenticator = String(connectionKwargs.authenticator ?? "").toLowerCase();
  if (authenticator === "oauth") {
    const token = ctx.secrets.get(OAUTH_TOKEN_SECRET) || connectionKwargs.token;
    if (typeof token !== "string" || !token) {
      throw ConnectorError.badRequest(
        `with authenticator "oauth", give the OAuth token as the secret ${OAUTH_TOKEN_SECRET} ` +
          "(custom.connection_kwargs.token serves the submission only: it is never stored in resource_meta)",
        { details: { field: OAUTH_TOKEN_SECRET } },
      );
    }
    return { authorization: `Bearer ${token}`, "x-snowflake-authorization-token-type": "OAUTH" };
  }
  const pem = ctx.secrets.get(PRIVATE_KEY_SECRET);
  if (!pem) {
    if (connectionKwargs.password !== undefined || (authenticator && authenticator !== "snowflake_jwt")) {
      throw ConnectorError.badRequest(
        `the Snowflake SQL API does not accept ${connectionKwargs.password !== undefined ? "passwords" : `authenticator "${authenticator}"`}: ` +
          `give the user's private key as the secret ${PRIVATE_KEY_SECRET} (key-pair authentication), ` +
          'or an OAuth token as custom.connection_kwargs.token with authenticator "oauth"',
        { details: { field: "custom.connection_kwargs" } },
      );
    }
    throw ConnectorError.badRequest(
      `the secret ${PRIVATE_KEY_SECRET} is not set: the SQL API needs key-pair authentication ` +
        '(or an OAuth token as custom.connection_kwargs.token with authenticator "oauth")',
      { details: { field: PRIVATE_KEY_SECRET } },
    );
  }
  const key = privateKeyOf(pem, ctx.secrets.get(PASSPHRASE_SECRET) || undefined);
  return {
    authorization: `Bearer ${await keyPairJwt(account, user, key)}`,
    "x-snowflake-authorization-token-type": "KEYPAIR_JWT",
  };
}
