import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An HTTP proxy in front of a fake external system that can fail on demand. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point the connector here instead of at the fake. */
  readonly url: string;
  /** Answer every request 503 while on. */
  unavailable(on: boolean): void;
  /** Accept every request and never answer while on (requests already hanging stay so until the client gives up). */
  hang(on: boolean): void;
  /** Requests received, by outcome. */
  readonly counts: { forwarded: number; refused: number; hung: number };
  close(): Promise<void>;
}

/**
 * Starts a fault proxy on 127.0.0.1 that forwards every request to `target` (an `http://host:port` base)
 * unchanged, path and all — or answers 503, or never answers, when told. It gives any HTTP fake the
 * conformance suite's fault hooks:
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy(emulator.url);
 * const connector = new BigQueryConnector({ apiEndpoint: proxy.url });
 * connectorConformance({ ..., faults: { unavailable: (on) => proxy.unavailable(on), hang: (on) => proxy.hang(on) } });
 * ```
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const base = new URL(target);
  let unavailable = false;
  let hanging = false;
  const counts = { forwarded: 0, refused: 0, hung: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (hanging) {
      counts.hung += 1;
      req.resume();
      return;
    }
    if (unavailable) {
      counts.refused += 1;
      req.resume();
      res
        .writeHead(503, { "content-type": "application/json", "retry-after": "1" })
        .end(
          JSON.stringify({
            error: { code: 503, message: "unavailable (fault proxy)", status: "UNAVAILABLE" },
          }),
        );
      return;
    }
    counts.forwarded += 1;
    const upstream = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: base.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    unavailable: (on) => void (unavailable = on),
    hang: (on) => void (hanging = on),
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
