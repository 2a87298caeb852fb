/**
 * Key-pair JWT and OAuth checks as the SQL API makes them: `Authorization: Bearer <token>` with
 * `X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT` (or `OAUTH`). A JWT's issuer is
 * `<ACCOUNT>.<USER>.SHA256:<fingerprint>` and its subject `<ACCOUNT>.<USER>`; it must be signed (RS256) by
 * the registered public key with that fingerprint and live at most an hour.
 */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { decodeJwt, jwtVerify } from "jose";

/** A user who may sign in with a key pair: `ALTER USER <user> SET RSA_PUBLIC_KEY = '...'` in Snowflake. */
export interface KeyPairUser {
  /** The account identifier as the JWT names it (case-insensitive; a locator's region is ignored). */
  account: string;
  user: string;
  /** The RSA public key: PEM (SPKI) or a `KeyObject`. */
  publicKey: string | KeyObject;
}

/** Who sent a request. */
export interface Principal {
  account: string;
  user: string;
  via: "KEYPAIR_JWT" | "OAUTH";
}

/** An authentication failure in the SQL API's shape (HTTP 401). */
export class AuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** `SHA256:<base64 of the SHA-256 of the DER public key>`, as `DESC USER` shows RSA_PUBLIC_KEY_FP. */
export function publicKeyFingerprint(key: string | KeyObject): string {
  const object = typeof key === "string" ? createPublicKey(key) : key;
  const der = object.export({ type: "spki", format: "der" });
  return `SHA256:${createHash("sha256").update(der).digest("base64")}`;
}

/** The account as a JWT names it: upper case, without a locator's `.region.cloud` suffix. */
export const jwtAccount = (account: string) => account.split(".")[0]!.toUpperCase();

const MAX_LIFETIME_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 60;

export class Authenticator {
  readonly #keys = new Map<string, { key: KeyObject; fingerprint: string }[]>();
  readonly #oauth = new Map<string, Principal>();

  constructor(
    users: readonly KeyPairUser[] = [],
    oauthTokens: Record<string, { account: string; user: string }> = {},
  ) {
    for (const user of users) this.addUser(user);
    for (const [token, who] of Object.entries(oauthTokens)) {
      this.#oauth.set(token, {
        account: jwtAccount(who.account),
        user: who.user.toUpperCase(),
        via: "OAUTH",
      });
    }
  }

  addUser(user: KeyPairUser): void {
    const key = typeof user.publicKey === "string" ? createPublicKey(user.publicKey) : user.publicKey;
    const name = `${jwtAccount(user.account)}.${user.user.toUpperCase()}`;
    const list = this.#keys.get(name) ?? [];
    list.push({ key, fingerprint: publicKeyFingerprint(key) });
    this.#keys.set(name, list);
  }

  addOAuthToken(token: string, who: { account: string; user: string }): void {
    this.#oauth.set(token, { account: jwtAccount(who.account), user: who.user.toUpperCase(), via: "OAUTH" });
  }

  /** Who the request is from; throws `AuthError` with Snowflake's code and words otherwise. */
  async check(headers: IncomingHttpHeaders): Promise<Principal> {
    const auth = headers.authorization;
    if (!auth || !/^Bearer\s+\S/i.test(auth)) {
      throw new AuthError("390101", "Authorization header not found in the request data.");
    }
    const token = auth.replace(/^Bearer\s+/i, "").trim();
    const kind = String(headers["x-snowflake-authorization-token-type"] ?? "KEYPAIR_JWT").toUpperCase();
    if (kind === "OAUTH") {
      const who = this.#oauth.get(token);
      if (!who) throw new AuthError("390303", "Invalid OAuth access token.");
      return who;
    }
    if (kind !== "KEYPAIR_JWT") {
      throw new AuthError("390102", `Unsupported authorization token type ${JSON.stringify(kind)}.`);
    }
    let claims: { iss?: unknown; sub?: unknown; iat?: unknown; exp?: unknown };
    try {
      claims = decodeJwt(token);
    } catch {
      throw new AuthError("390144", "JWT token is invalid.");
    }
    const iss = typeof claims.iss === "string" ? claims.iss : "";
    const sub = typeof claims.sub === "string" ? claims.sub : "";
    const match = /^([^.]+)\.([^.]+)\.(SHA256:.+)$/.exec(iss);
    if (!match || sub.toUpperCase() !== `${match[1]}.${match[2]}`.toUpperCase()) {
      throw new AuthError("390144", "JWT token is invalid.");
    }
    const [, account, user, fingerprint] = match as unknown as [string, string, string, string];
    const candidates = this.#keys.get(`${account.toUpperCase()}.${user.toUpperCase()}`) ?? [];
    const registered = candidates.find((c) => c.fingerprint === fingerprint);
    if (!registered) throw new AuthError("390144", "JWT token is invalid.");
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp === "number" && claims.exp < now - CLOCK_SKEW_SECONDS) {
      throw new AuthError("390144", "JWT token is invalid. The token has expired.");
    }
    if (
      typeof claims.iat !== "number" ||
      typeof claims.exp !== "number" ||
      claims.exp - claims.iat > MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS ||
      claims.iat > now + CLOCK_SKEW_SECONDS
    ) {
      throw new AuthError("390144", "JWT token is invalid. iat and exp must be set, at most one hour apart.");
    }
    try {
      await jwtVerify(token, registered.key, { algorithms: ["RS256"], clockTolerance: CLOCK_SKEW_SECONDS });
    } catch {
      throw new AuthError("390144", "JWT token is invalid.");
    }
    return { account: account.toUpperCase(), user: user.toUpperCase(), via: "KEYPAIR_JWT" };
  }
}
