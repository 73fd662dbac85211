/**
 * Reads HTTP Basic credentials (RFC 7617) from an Authorization header, strictly: the scheme in
 * any case, base64 of `user:password` in UTF-8 (the password may contain `:`). Anything else is
 * malformed, never an exception.
 */

export type BasicCredentials =
  | { kind: 'missing' }
  | { kind: 'malformed' }
  | { kind: 'other-scheme' }
  | { kind: 'ok', user: string, password: string }

/** Longer headers are not credentials anyone typed (Node caps all headers at 16 KiB). */
const MAX_LENGTH = 4096
const BASIC = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]|$)/
const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * @example parseBasic('Basic dXNlcjpwYXNz') // { kind: 'ok', user: 'user', password: 'pass' }
 */
export function parseBasic (header: string | undefined): BasicCredentials {
  if (header === undefined || header.trim() === '') return { kind: 'missing' }
  if (header.length > MAX_LENGTH) return { kind: 'malformed' }
  const m = BASIC.exec(header.trim())
  if (m === null) return SCHEME.test(header.trim()) && !/^basic\b/i.test(header.trim()) ? { kind: 'other-scheme' } : { kind: 'malformed' }
  const encoded = m[1] as string
  if (encoded.length % 4 !== 0) return { kind: 'malformed' }
  let text: string
  try {
    text = utf8.decode(Buffer.from(encoded, 'base64'))
  } catch {
    return { kind: 'malformed' }
  }
  const colon = text.indexOf(':')
  // RFC 7617 section 2: control characters are not allowed in either part.
  if (colon === -1 || /[\x00-\x1f\x7f]/.test(text)) return { kind: 'malformed' } // eslint-disable-line no-control-regex
  return { kind: 'ok', user: text.slice(0, colon), password: text.slice(colon + 1) }
}
