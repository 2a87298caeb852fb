/**
 * @flyte-connectors/workspace-plugin — this repository's Nx plugin (private, never published).
 *
 * @example
 * ```sh
 * npx nx g @flyte-connectors/workspace-plugin:connector acme-jobs   # creates packages/connector-acme-jobs
 * ```
 *
 * @module
 */
export { connectorGenerator } from "./connector/generator";
export type { ConnectorGeneratorSchema } from "./connector/schema";
