/**
 * @flyte-connectors/connector-model-training
 *
 * @module
 */
export const PACKAGE_NAME = "@flyte-connectors/connector-model-training";
