/**
 * @flyte-connectors/runtime
 *
 * @module
 */
export const PACKAGE_NAME = "@flyte-connectors/runtime";
