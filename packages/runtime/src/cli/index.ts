/**
 * @flyte-connectors/runtime/cli — what `flyte-connector serve` uses to find and load connector modules,
 * for tools that assemble servers or images: discovery of installed packages that declare
 * `"flyteConnector"` in their package.json, loading a module's `connectors`, and the start-up table.
 *
 * @example
 * ```ts
 * import { formatConnectorTable, loadConnectors } from "@flyte-connectors/runtime/cli";
 *
 * const { registry, loaded } = await loadConnectors([]); // [] → every installed connector package
 * console.log(formatConnectorTable(loaded));
 * ```
 *
 * @module
 */
export {
  CONNECTOR_PACKAGE_FIELD,
  discoverConnectorPackages,
  formatConnectorTable,
  loadConnectors,
  loadModule,
  type LoadedConnector,
} from "./load";
