/**
 * A real npm registry for the publish test: verdaccio 6.8.0 (the last line that runs on Node 20; the root
 * package.json pins node-fetch 2.7.0 under it), in its own process on 127.0.0.1, with its own config,
 * storage and users in a folder of the test's. It serves the @flyte-connectors scope only and proxies
 * nothing: npm is pointed at it for that scope and takes every other package from its usual registry.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { Server } from "./processes";

export interface Registry {
  /** e.g. `http://127.0.0.1:41234/` */
  url: string;
  /** An npm user config file holding the publisher's token for this registry (nothing else). */
  userconfig: string;
  server: Server;
  close(): Promise<void>;
}

export async function startRegistry(dir: string, scope = "@flyte-connectors"): Promise<Registry> {
  mkdirSync(dir, { recursive: true });
  const config = path.join(dir, "config.yaml");
  writeFileSync(
    config,
    stringify({
      storage: path.join(dir, "storage"),
      auth: { htpasswd: { file: path.join(dir, "htpasswd"), max_users: 1 } }, // the publisher only
      uplinks: {},
      packages: { [`${scope}/*`]: { access: "$all", publish: "$authenticated" } },
      web: { enable: false },
      log: { type: "stdout", format: "json", level: "warn" },
    }),
  );
  const verdaccioDir = path.dirname(require.resolve("verdaccio/package.json"));
  const server = new Server(
    process.execPath,
    [path.join(__dirname, "verdaccio-launch.cjs"), verdaccioDir, config],
    {
      cwd: dir,
    },
  );
  const [, port] = await server.waitFor(/^listening (\d+)$/);
  const url = `http://127.0.0.1:${port}/`;

  // `npm adduser` does this: the first sign-up creates the account and answers a token.
  const response = await fetch(`${url}-/user/org.couchdb.user:publisher`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "publisher", password: "local-registry-only" }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (!response.ok || !body.token)
    throw new Error(`verdaccio refused the publisher: ${JSON.stringify(body)}`);
  const userconfig = path.join(dir, "publisher.npmrc");
  writeFileSync(userconfig, `//127.0.0.1:${port}/:_authToken=${body.token}\n`);

  return {
    url,
    userconfig,
    server,
    close: async () => {
      await server.stop();
    },
  };
}
