/**
 * @flyte-connectors/image
 *
 * @module
 */
export const PACKAGE_NAME = "@flyte-connectors/image";
