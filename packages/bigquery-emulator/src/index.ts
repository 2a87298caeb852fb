/**
 * @flyte-connectors/bigquery-emulator
 *
 * @module
 */
export const PACKAGE_NAME = "@flyte-connectors/bigquery-emulator";
