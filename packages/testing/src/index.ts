/**
 * @flyte-connectors/testing
 *
 * @module
 */
export const PACKAGE_NAME = "@flyte-connectors/testing";
