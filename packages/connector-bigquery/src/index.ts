/**
 * @flyte-connectors/connector-bigquery
 *
 * @module
 */
export const PACKAGE_NAME = "@flyte-connectors/connector-bigquery";
