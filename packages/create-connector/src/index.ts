/**
 * @flyte-connectors/create-connector — new Flyte 2 connector packages from one template: standalone
 * (`npm init @flyte-connectors/connector <directory>`) or inside the flyte-connectors monorepo (`nx g
 * @flyte-connectors/workspace-plugin:connector <name>`, which renders the same files through this API).
 *
 * @example
 * ```ts
 * import { renderConnector } from "@flyte-connectors/create-connector";
 *
 * for (const file of renderConnector({ name: "acme", layout: "standalone" })) {
 *   console.log(file.path); // LICENSE, README.md, examples/run.ts, jest.config.cjs, package.json, src/connector.ts, ...
 * }
 * ```
 *
 * @module
 */
export { connectorNames, type ConnectorNames } from "./names";
export { renderConnector, type Layout, type RenderOptions, type RenderedFile } from "./render";
