/**
 * The real stack for the connector's tests: the Snowflake emulator (DuckDB) over HTTP with a registered
 * key-pair user, pointed at through SNOWFLAKE_API_URL, and keys — one encrypted with a passphrase.
 */
import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import {
  loadSeedFile,
  startSnowflakeEmulator,
  type RunningSnowflakeEmulator,
} from "@flyte-connectors/snowflake-emulator";

export const ACCOUNT = "myorg-acct";
export const USER = "FLYTE";
export const PASSPHRASE = "pass-phrase-Zq81xV";
export const OAUTH_TOKEN = "oauth-token-Vb27kP";

function keyPair() {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE },
  });
}

/** The user's key pair: the private key PEM is encrypted with PASSPHRASE. */
export const KEYS = keyPair();
/** Secrets as the backend sends them. */
export const SECRETS = {
  snowflake_private_key: KEYS.privateKey,
  snowflake_private_key_passphrase: PASSPHRASE,
};

/** A JSON Web Token anywhere in text (header `{"alg"...` base64url-encoded). */
export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,}/;

export async function startEmulator(): Promise<RunningSnowflakeEmulator> {
  const emulator = await startSnowflakeEmulator({
    users: [{ account: ACCOUNT, user: USER, publicKey: KEYS.publicKey }],
    oauthTokens: { [OAUTH_TOKEN]: { account: ACCOUNT, user: USER } },
    seed: await loadSeedFile(
      path.join(
        path.dirname(require.resolve("@flyte-connectors/snowflake-emulator/package.json")),
        "data/sample.yaml",
      ),
    ),
  });
  process.env.SNOWFLAKE_API_URL = emulator.url;
  return emulator;
}
