/**
 * @flyte-connectors/image — ship connectors: container images, Kubernetes manifests and the Flyte
 * backend's configuration. The seed's `Image` / `ImageBuildEngine`, in TypeScript.
 *
 * @example
 * ```ts
 * import { Image, ImageBuildEngine, backendConfigYaml, kubernetesManifests, toYaml } from "@flyte-connectors/image";
 *
 * const image = Image.fromDebianBase({ registry: "ghcr.io/acme", name: "bigquery-connector" })
 *   .withConnectors("@flyte-connectors/connector-bigquery");   // a workspace package, or "@acme/x@1.2.3"
 *
 * // Installs the packages on this machine, renders docker/connector.Dockerfile.tmpl, builds with
 * // Docker, Podman or Buildah (whichever works), pushes.
 * const { reference, digest, context } = await ImageBuildEngine.build(image, {
 *   push: true,
 *   onProgress: ({ step, message }) => console.log(`[${step}] ${message}`),
 * });
 *
 * const yaml = toYaml(kubernetesManifests({ image: `${reference}@${digest}`, name: "bigquery-connector",
 *                                           taskTypes: context.manifest.taskTypes }));
 * const flyteConfig = backendConfigYaml([{ id: "bigquery-connector", service: "bigquery-connector",
 *                                          taskTypes: context.manifest.taskTypes }]);
 * ```
 *
 * Every image serves exactly its connectors (`flyte-connector serve --modules ...`) and has `c0` on PATH,
 * flyte-sdk's server command, so the official `flyteconnector` Helm chart runs it unchanged.
 *
 * @module
 */
export {
  Image,
  DEFAULT_BASE_IMAGE,
  DEFAULT_NODE_VERSION,
  DEFAULT_UID,
  type DebianBaseOptions,
} from "./image";
export {
  ImageBuildEngine,
  BUILDERS,
  resolveBuilder,
  type BuildOptions,
  type BuildResult,
  type BuilderName,
} from "./engine";
export {
  createContext,
  defaultCacheDir,
  APP_DIR,
  GRPC_PORT,
  LABEL_PREFIX,
  METRICS_PORT,
  type BuildContext,
  type ContextOptions,
  type ImageManifest,
  type ProgressEvent,
  type ProgressStep,
  type ServedConnector,
} from "./context";
export { PLATFORMS, hostPlatform, nodeBinary, type NodeBinary, type Platform } from "./node-binary";
export type { PackageSource } from "./stage";
export { CONTEXT_EPOCH, hashTree, listTree, type TreeEntry } from "./tree";
export {
  kubernetesManifests,
  kustomizeBase,
  parseReference,
  toYaml,
  ASYNC_CONNECTOR_SERVICE,
  BACKEND_PLUGIN_ID,
  type KubernetesOptions,
} from "./manifests";
export {
  backendConfig,
  backendConfigYaml,
  goDuration,
  serviceEndpoint,
  BACKEND_OPERATIONS,
  DEFAULT_TIMEOUTS_MS,
  type BackendOperation,
  type ConnectorDeployment,
} from "./backend-config";
export { ImageError, type ImageErrorCode } from "./errors";
