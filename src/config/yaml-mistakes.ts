/**
 * The usual mistakes in a hand-edited config.yaml, found on the line where they are. A YAML
 * parser notices most of them lines later (`listen:true` on line 14 surfaces as "end of the
 * stream" at 16:1; an unclosed quote on line 3 as "deficient indentation" at 4:3), and one of
 * them not at all: a list item indented deeper than the one above is read as part of it
 * (`127.0.0.1 - 192.168.0.1`, which the whitelist would then take as a range). Issue 11.
 */

export interface YamlMistake {
  /** 1-based line and column of the mistake. */
  line: number
  column: number
  /** What is wrong and what to write instead, as a clause: `"listen:true" needs a space after the colon`. */
  reason: string
}

/** `key:value`, where YAML needs `key: value` (not `key::`, not a URL's `key://`). */
const NO_SPACE = /^([A-Za-z_][\w.-]*):([^\s:/#'"][^#]*?)\s*$/

function indentOf (text: string): number {
  return text.length - text.trimStart().length
}

/** Where a quoted scalar that opens on this line and does not close on it begins, or -1. */
function unclosedQuote (text: string): number {
  const match = /^(\s*(?:-\s+)?(?:[\w.-]+:\s+)?)(['"])/.exec(text)
  if (match === null) return -1
  const open = (match[1] as string).length
  const quote = match[2] as string
  for (let i = open + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++
    } else if (text[i] === quote) {
      if (quote === '\'' && text[i + 1] === '\'') i++ // '' is an escaped quote
      else return -1
    }
  }
  return open
}

/** The first mistake on one line, looking at the line alone. */
function lineMistake (text: string, line: number): YamlMistake | undefined {
  const tab = /^ *\t/.exec(text)
  if (tab !== null) {
    return { line, column: tab[0].length, reason: 'a tab in the indentation; YAML indents with spaces only' }
  }
  const body = text.trim()
  if (body === '' || body.startsWith('#')) return undefined
  const quote = unclosedQuote(text)
  if (quote !== -1) {
    return { line, column: quote + 1, reason: `the quote ${text[quote] as string} opened here is not closed on this line` }
  }
  const glued = NO_SPACE.exec(body)
  if (glued !== null) {
    const [, key, value] = glued as unknown as [string, string, string]
    return { line, column: indentOf(text) + key.length + 2, reason: `"${key}:${value}" needs a space after the colon (${key}: ${value})` }
  }
  return undefined
}

/**
 * A list item indented differently from the item above it in the same list: a run of `- ` lines
 * with only blank lines and comments between them.
 */
function listMistake (lines: readonly string[], upTo: number): (YamlMistake & { deeper: boolean }) | undefined {
  let first: { indent: number, line: number } | undefined
  for (let i = 0; i < upTo; i++) {
    const text = lines[i] as string
    const body = text.trim()
    if (body === '' || body.startsWith('#')) continue
    if (!body.startsWith('- ') && body !== '-') {
      first = undefined
      continue
    }
    const indent = indentOf(text)
    if (first === undefined) {
      first = { indent, line: i + 1 }
    } else if (indent !== first.indent) {
      const deeper = indent > first.indent
      return {
        deeper,
        line: i + 1,
        column: indent + 1,
        reason: `this list item is indented by ${indent}, the item on line ${first.line} by ${first.indent}` +
          (deeper ? ', so YAML reads it as part of that item' : '') + '; give every item of a list the same indent'
      }
    }
  }
  return undefined
}

/**
 * The earliest likely mistake on lines 1 to `upTo` (where the parser noticed a problem), or
 * undefined when none of the usual ones is there.
 * @example findYamlMistake('port: 8000\nlisten:true\n', 3) // { line: 2, column: 8, reason: '"listen:true" needs a space after the colon (listen: true)' }
 */
export function findYamlMistake (source: string, upTo: number): YamlMistake | undefined {
  const lines = source.split(/\r?\n/)
  const last = Math.min(upTo, lines.length)
  const list = listMistake(lines, last)
  for (let i = 0; i < last; i++) {
    if (list !== undefined && list.line === i + 1) return { line: list.line, column: list.column, reason: list.reason }
    const found = lineMistake(lines[i] as string, i + 1)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * A list item indented deeper than the one above it, anywhere in the file: YAML reads it as the
 * continuation of that item, without error. (Shallower items are syntax errors, reported anyway.)
 */
export function findSwallowedListItem (source: string): YamlMistake | undefined {
  const lines = source.split(/\r?\n/)
  const found = listMistake(lines, lines.length)
  return found?.deeper === true ? { line: found.line, column: found.column, reason: found.reason } : undefined
}
