/**
 * YAML with positions: the parsed value plus, for every key path, the line it is written on and the
 * scalar exactly as typed. Lines let every config problem point at file:line; the typed text lets
 * `password: 0123` mean the string the user typed, not the number 123.
 */
import { parseEvents, constructFromEvents, EVENT_ID, YAMLException } from 'js-yaml'
import type { Event } from 'js-yaml'
import { TVS_ERR_CONFIG_YAML } from '../errors.js'
import { findSwallowedListItem, findYamlMistake } from './yaml-mistakes.js'
import type { YamlMistake } from './yaml-mistakes.js'

export interface YamlFile {
  file: string
  /** The document; `{}` for an empty file or one holding only comments. */
  value: unknown
  /** Key path (`a.b`, `list[0]`) → 1-based line. */
  lines: ReadonlyMap<string, number>
  /** Key path → the scalar's source text, for plain (unquoted) scalars. */
  plain: ReadonlyMap<string, string>
}

type Frame =
  | { kind: 'map', path: string, key: string | undefined }
  | { kind: 'seq', path: string, index: number }

function lineStarts (source: string): number[] {
  const starts = [0]
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

function lineOf (starts: number[], offset: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((starts[mid] as number) <= offset) lo = mid
    else hi = mid - 1
  }
  return lo + 1
}

/**
 * The error, with the line it names shown under it; for a blank line (the end of the file, say),
 * the last line above with something on it.
 */
function syntaxError (file: string, source: string, where: YamlMistake, cause?: unknown): Error {
  const lines = source.split(/\r?\n/)
  let shown = Math.min(where.line, lines.length)
  while (shown > 1 && (lines[shown - 1] as string).trim() === '') shown--
  const text = (lines[shown - 1] as string).trimEnd()
  const excerpt = text.trim() === '' ? '' : `\n  ${shown} | ${text}`
  return new TVS_ERR_CONFIG_YAML(file, where.line, where.column, where.reason, excerpt, ...(cause === undefined ? [] : [{ cause }] as const))
}

function join (parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`
}

/**
 * Parses one YAML document, throwing TVS_ERR_CONFIG_YAML with file:line:column on a syntax error.
 * @example parseYamlFile('listen: true\n', '/srv/config.yaml').lines.get('listen') // 1
 */
export function parseYamlFile (source: string, file: string): YamlFile {
  let events: Event[]
  let documents: unknown[]
  try {
    events = parseEvents(source, { filename: file })
    documents = constructFromEvents(events, { source, filename: file })
  } catch (error) {
    /* c8 ignore next -- js-yaml throws only YAMLException for bad input; anything else is a bug to surface */
    if (!(error instanceof YAMLException)) throw error
    /* c8 ignore next 2 -- js-yaml marks every syntax error; the fallback guards a release that would not */
    const line = (error.mark?.line ?? 0) + 1
    const column = (error.mark?.column ?? 0) + 1
    // The parser notices a mistake where it stops making sense, often lines later: name the
    // line where a usual mistake is, when one is there before that point.
    const mistake = findYamlMistake(source, line)
    if (mistake !== undefined) throw syntaxError(file, source, mistake, error)
    throw syntaxError(file, source, { line, column, reason: error.reason }, error)
  }
  if (documents.length > 1) {
    throw syntaxError(file, source, { line: 1, column: 1, reason: 'the file holds more than one YAML document (---)' })
  }
  // Mistakes YAML itself accepts: a deeper list item read as part of the one above, and a file
  // of one `key:value` line read as a single text.
  const accepted = findSwallowedListItem(source) ??
    (documents[0] !== null && typeof documents[0] !== 'object' ? findYamlMistake(source, Infinity) : undefined)
  if (accepted !== undefined) throw syntaxError(file, source, accepted)
  const starts = lineStarts(source)
  const lines = new Map<string, number>()
  const plain = new Map<string, string>()
  const stack: Frame[] = []

  // The event stream is flat: walk it keeping the key path of every open mapping and sequence.
  const place = (): string | undefined => {
    const top = stack.at(-1)
    if (top === undefined) return ''
    if (top.kind === 'seq') return `${top.path}[${top.index++}]`
    if (top.key === undefined) return undefined // this node is a key
    const path = join(top.path, top.key)
    top.key = undefined
    return path
  }
  for (const event of events) {
    if (event.type === EVENT_ID.SCALAR) {
      const text = source.slice(event.valueStart, event.valueEnd)
      const path = place()
      const top = stack.at(-1)
      if (path === undefined && top?.kind === 'map') {
        top.key = text
        lines.set(join(top.path, text), lineOf(starts, event.valueStart))
      } else if (path !== undefined) {
        if (!lines.has(path)) lines.set(path, lineOf(starts, event.valueStart))
        if (event.style === 1) plain.set(path, text)
      }
    } else if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      // Collections are never keys here: js-yaml refuses complex keys before this walk runs.
      const path = place() as string
      if (!lines.has(path)) lines.set(path, lineOf(starts, event.start))
      stack.push(event.type === EVENT_ID.MAPPING
        ? { kind: 'map', path, key: undefined }
        : { kind: 'seq', path, index: 0 })
    } else if (event.type === EVENT_ID.POP) {
      stack.pop()
    } else if (event.type === EVENT_ID.ALIAS) {
      place()
    }
  }
  const value = documents.length === 0 || documents[0] === null ? {} : documents[0]
  return { file, value, lines, plain }
}
