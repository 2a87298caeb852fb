/** The spellings of one connector name: `acme-jobs` → AcmeJobs, acme_jobs, "Acme Jobs Connector", ACME_JOBS_. */
export interface ConnectorNames {
  /** kebab-case, as given: folder and package names (`connector-acme-jobs`). */
  readonly name: string;
  /** PascalCase: class names (`AcmeJobsConnector`, `AcmeJobsTask`). */
  readonly className: string;
  /** snake_case: the task type (`acme_jobs`). */
  readonly taskType: string;
  /** Words: the connector's display name (`Acme Jobs Connector`). */
  readonly title: string;
  /** SCREAMING_SNAKE_CASE with a trailing `_`: environment variables (`ACME_JOBS_API_KEY`). */
  readonly envPrefix: string;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Checks a connector name and derives its spellings. A leading `connector-` or trailing `-connector` is
 * dropped: `connector-acme` and `acme-connector` both name the connector `acme`.
 *
 * @throws Error naming what is wrong, for names that are not lowercase words joined by `-`.
 */
export function connectorNames(input: string): ConnectorNames {
  const name = input
    .trim()
    .replace(/^connector-/, "")
    .replace(/-connector$/, "");
  if (!NAME.test(name)) {
    throw new Error(
      `"${input}" is not a connector name: use lowercase letters and digits in words joined by "-", starting with a letter (e.g. "acme" or "acme-jobs")`,
    );
  }
  const words = name.split("-");
  return {
    name,
    className: words.map((w) => w[0].toUpperCase() + w.slice(1)).join(""),
    taskType: words.join("_"),
    title: `${words.map((w) => w[0].toUpperCase() + w.slice(1)).join(" ")} Connector`,
    envPrefix: `${words.join("_").toUpperCase()}_`,
  };
}
