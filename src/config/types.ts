/**
 * Value types of config keys. Each type checks a value from YAML (`check`) and converts the text of
 * an environment variable or a command-line flag (`fromText`). A failed check returns undefined and
 * the caller reports `expected`, so every source gets the same wording.
 */
import { isIPv4, isIPv6 } from 'node:net'

export interface ValueType<T> {
  /** What a valid value looks like, in words, for error messages. */
  expected: string
  /** The value converted to its final form, or undefined when it is not valid. */
  check (value: unknown): T | undefined
  /** Converts text (an environment variable or a flag) to a value for `check`. */
  fromText (text: string): unknown
  /** A text key: a YAML scalar is taken as typed (`0123` stays "0123", not 123). */
  asTyped?: true
}

/** Text from the environment or a flag, handed to `check` as it is. */
const asIs = (text: string): unknown => text

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true, false: false, 1: true, 0: false, yes: true, no: false, on: true, off: false
}

function word (value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value
  if (value === 0 || value === 1) return value === 1
  if (typeof value === 'string') return BOOLEAN_WORDS[value.trim().toLowerCase()]
  return undefined
}

export const boolean: ValueType<boolean> = {
  expected: 'true or false (also yes/no, on/off, 1/0)',
  check: word,
  fromText: asIs
}

export function integer (min: number, max: number, expected: string): ValueType<number> {
  return {
    expected,
    check (value) {
      const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value
      return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : undefined
    },
    fromText: asIs
  }
}

export const port = integer(0, 65535, 'a whole number from 0 to 65535 (0 picks a free port)')

export const protocol: ValueType<boolean | 'auto'> = {
  expected: 'true, false or auto',
  check: (value) => typeof value === 'string' && value.trim().toLowerCase() === 'auto' ? 'auto' : word(value),
  fromText: asIs
}

/**
 * Scalars a user meant as text: YAML reads `password: 1234` as a number, the user meant "1234".
 * The loader hands over the text as typed where it has it, so `0123` stays `0123`.
 */
export const text: ValueType<string> = {
  expected: 'a text value',
  check: (value) => typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined,
  fromText: asIs,
  asTyped: true
}

export function oneOf<T extends string> (values: readonly T[]): ValueType<T> {
  return {
    expected: values.join(' or '),
    check: (value) => values.find((v) => typeof value === 'string' && v === value.trim().toLowerCase()),
    fromText: asIs
  }
}

export const logLevel: ValueType<'debug' | 'info' | 'warn' | 'error'> = (() => {
  const names = ['debug', 'info', 'warn', 'error'] as const
  const named = oneOf(names)
  return {
    expected: 'debug, info, warn or error (SillyTavern\'s 0 to 3 work too)',
    check: (value) => typeof value === 'number' || (typeof value === 'string' && /^\s*\d\s*$/.test(value))
      ? names[Number(value)]
      : named.check(value),
    fromText: asIs
  }
})()

/** Text lists: a YAML sequence, or for env/flags a JSON array or comma-separated text. */
export const textList: ValueType<string[]> = {
  expected: 'a list of text values',
  check (value) {
    if (value === null) return []
    if (!Array.isArray(value)) return undefined
    const out: string[] = []
    for (const item of value) {
      const t = text.check(item)
      if (t === undefined) return undefined
      out.push(t.trim())
    }
    return out
  },
  fromText (t) {
    const trimmed = t.trim()
    if (trimmed.startsWith('[')) {
      try {
        return JSON.parse(trimmed) as unknown
      } catch {
        return t // not a list: check() reports it with the expected form
      }
    }
    return trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim())
  }
}

function stripBrackets (value: string): string {
  const v = value.trim()
  return v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v
}

export const ipv4Address: ValueType<string> = {
  expected: 'an IPv4 address such as 0.0.0.0 (every interface) or 192.168.1.20',
  check: (value) => typeof value === 'string' && isIPv4(value.trim()) ? value.trim() : undefined,
  fromText: asIs
}

/**
 * The usual values, checked without Node's IPv6 pattern: its first use compiles a large regular
 * expression, which cost a start on the defaults (listen false, so nothing else uses it) about
 * 20 ms of CPU.
 */
const COMMON_IPV6 = new Set(['::', '::1'])

export const ipv6Address: ValueType<string> = {
  expected: 'an IPv6 address such as :: (every interface) or ::1, with or without brackets',
  check (value) {
    if (typeof value !== 'string') return undefined
    const address = stripBrackets(value)
    return COMMON_IPV6.has(address) || isIPv6(address) ? address : undefined
  },
  fromText: asIs
}

/**
 * The web app behind the gate: an http(s) origin (scheme, host, port; no path, query or
 * credentials), or empty for "not set". Normalised to `http://host:port` without a trailing slash.
 */
export const upstreamUrl: ValueType<string> = {
  expected: 'an http:// or https:// address such as http://127.0.0.1:8001 (no path, query or user name), or empty',
  check (value) {
    if (value === null || value === '') return ''
    if (typeof value !== 'string') return undefined
    let url: URL
    try {
      url = new URL(value.trim())
    } catch {
      return undefined
    }
    const plain = (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' &&
      url.pathname === '/' && url.search === '' && url.hash === ''
    return plain ? url.origin : undefined
  },
  fromText: asIs
}

/** RFC 9110 section 5.1: a header name is a token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i

/** An HTTP header name, or empty for "off". */
export const headerName: ValueType<string> = {
  expected: 'an HTTP header name such as Remote-User (letters, digits and - only), or empty to send none',
  check (value) {
    if (value === null) return ''
    if (typeof value !== 'string') return undefined
    const name = value.trim()
    return name === '' || TOKEN.test(name) ? name : undefined
  },
  fromText: asIs
}

/** A path; relative paths resolve against the base directory later. Empty only where allowed. */
export function path (allowEmpty: boolean): ValueType<string> {
  return {
    expected: allowEmpty ? 'a file or folder path, or empty' : 'a file or folder path',
    check (value) {
      if (value === null && allowEmpty) return ''
      const t = text.check(value)
      return t !== undefined && (allowEmpty || t.trim() !== '') ? t.trim() : undefined
    },
    fromText: asIs,
    asTyped: true
  }
}
