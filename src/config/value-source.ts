/**
 * Where each config value came from: the shipped defaults, the user's file (with the line), an
 * environment variable or a flag. Messages name it, so a user edits the place that decides
 * (a flag or an environment variable wins over config.yaml: editing the file would change nothing).
 */
export type ValueSource =
  /** default/config.yaml, or the user's config file; `items` are the lines of a list's entries. */
  | { readonly kind: 'default' | 'file', readonly file: string, readonly line: number, readonly items?: readonly number[] }
  | { readonly kind: 'env', readonly name: string }
  | { readonly kind: 'flag', readonly flag: string }

/**
 * In words, for messages.
 * @example describeSource({ kind: 'file', file: '/srv/config.yaml', line: 3 }) // '/srv/config.yaml:3'
 */
export function describeSource (source: ValueSource): string {
  switch (source.kind) {
    case 'default': return 'the default'
    case 'file': return `${source.file}:${source.line}`
    case 'env': return `environment variable ${source.name}`
    case 'flag': return `${source.flag} on the command line`
  }
}

/**
 * Where the entry at `index` of a list value is, counted from 1 as people count, with its own
 * line when it came from a file.
 * @example describeItem(source, 'whitelist', 2) // '/srv/config.yaml:14 whitelist entry 3'
 */
export function describeItem (source: ValueSource, key: string, index: number): string {
  const entry = `${key} entry ${index + 1}`
  if (source.kind === 'env' || source.kind === 'flag') return `${describeSource(source)}, ${entry}`
  const line = source.items?.[index] ?? source.line
  return source.kind === 'file' ? `${source.file}:${line} ${entry}` : `the default ${entry}`
}
