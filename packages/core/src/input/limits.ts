/**
 * Size and shape limits on every document polycloud parses (config files, URM
 * documents, DataJobs), checked before it is parsed deeper. Documented in
 * docs/configuration.md ("Limits").
 */
export const INPUT_LIMITS = {
  /** Largest config file or config text, bytes. */
  maxConfigBytes: 4 * 1024 * 1024,
  /** Largest DataJob file or text, bytes. */
  maxJobBytes: 1024 * 1024,
  /** Deepest nesting of maps and lists (the top level is depth 1). */
  maxDepth: 64,
  /** YAML aliases (`*name`) resolved in one document, merge keys (`<<`) included. */
  maxAliasCount: 100,
  /** Longest string value or map key, characters. */
  maxStringLength: 64 * 1024,
  /** Most map entries and list items in one document, all levels together. */
  maxNodes: 100_000,
  /** Widest indentation of a YAML line, columns (bounds block nesting before the parser recurses). */
  maxIndent: 256,
} as const;

export type InputLimits = typeof INPUT_LIMITS;
