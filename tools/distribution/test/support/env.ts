/**
 * What child processes see. The tests run under `npm test` → nx → jest, and each layer leaves variables
 * behind (npm's `npm_config_local_prefix` names this workspace, nx's `NX_WORKSPACE_ROOT` too) that would
 * point npm and nx in a child at the wrong folder. Children get the caller's environment without them,
 * as a fresh shell would.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The caller's FORCE_COLOR (nx sets it when its own output is a terminal) would colour what tests read.
    if (
      /^(npm_|nx_|jest_)/i.test(key) ||
      ["INIT_CWD", "NODE_OPTIONS", "NODE_ENV", "FORCE_COLOR"].includes(key)
    )
      continue;
    env[key] = value;
  }
  return {
    ...env,
    NX_DAEMON: "false", // no daemon left running after a test
    NX_NO_CLOUD: "true",
    NX_TUI: "false",
    FORCE_COLOR: "0", // not NO_COLOR too: with both set, node warns on stderr
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    ...extra,
  };
}
