/** Options of the `connector` generator (see schema.json). */
export interface ConnectorGeneratorSchema {
  name: string;
  directory?: string;
  skipInstall?: boolean;
}
