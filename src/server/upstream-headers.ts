/**
 * The headers of a request forwarded to the app behind the gate, and of its answer. What the gate
 * consumed stays at the gate (the credentials it checked, its own cookies), and what a client
 * could use to pose as someone else is removed: a client-sent user header, forwarded addresses.
 * Then the gate says what it knows: the scheme and host the client used, and who logged in.
 */

/** Hop-by-hop headers (RFC 9110 section 7.6.1), never forwarded in either direction. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']

/**
 * Headers an app may believe about the client or its user, when they come from its proxy:
 * forwarded addresses (SillyTavern checks them against its whitelist), and the single sign-on
 * headers SillyTavern reads (Authelia's Remote-User, Authentik's X-Authentik-Username).
 * X-Forwarded-* goes by prefix.
 */
const IDENTITY = ['forwarded', 'x-real-ip', 'cf-connecting-ip', 'true-client-ip', 'remote-user', 'x-authentik-username']

export interface ForwardRules {
  /** Header names (lower case) removed from every forwarded request. */
  readonly strip: ReadonlySet<string>
  /** The gate's own cookies, removed from the Cookie header (by their names at the time). */
  readonly cookies: readonly CookieName[]
  /** The header that carries the user name to the app; '' for none. */
  readonly userHeader: string
  /** The same in lower case. */
  readonly userHeaderLower: string
  /** `host:port` of the app, its Host header. */
  readonly upstreamHost: string
  readonly forwardClientAddress: boolean
}

export interface ForwardRulesOptions {
  upstream: URL
  userHeader: string
  forwardClientAddress: boolean
  /** Whether the gate checks Authorization (Basic auth is on): then that header is the gate's. */
  consumesAuthorization: boolean
  consumedCookies: readonly CookieName[]
}

/** A cookie of the gate's; its name may change (the session cookie's follows the listening port). */
export interface CookieName { readonly name: string }

export function forwardRules (options: ForwardRulesOptions): ForwardRules {
  const strip = new Set([...HOP_BY_HOP, ...IDENTITY, 'expect', 'host', 'proxy-authorization'])
  // undici and many servers refuse Expect, and the gate has already answered it: the body is on
  // its way.
  if (options.userHeader !== '') strip.add(options.userHeader.toLowerCase())
  if (options.consumesAuthorization) strip.add('authorization')
  return {
    strip,
    cookies: options.consumedCookies,
    userHeader: options.userHeader,
    userHeaderLower: options.userHeader.toLowerCase(),
    upstreamHost: options.upstream.host,
    forwardClientAddress: options.forwardClientAddress
  }
}

/** What the gate knows about a request, for the headers it adds. */
export interface Forwarding {
  /** The request's raw headers, as Node gives them: name, value, name, value... */
  rawHeaders: readonly string[]
  user: string | undefined
  clientIp: string
  tls: boolean
  /** The Upgrade header of a WebSocket (or other) upgrade, kept with its Connection: Upgrade. */
  upgrade?: string
}

/** A header name in lower case: the usual spellings without making a new string. */
function lowerName (name: string): string {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    if (code >= 0x41 && code <= 0x5a) return name.toLowerCase()
  }
  return name
}

/** Adds the lower-case names listed in a Connection header's value to `tokens`. */
function addTokens (value: string, tokens: Set<string> | undefined): Set<string> | undefined {
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase()
    if (name !== '') (tokens ??= new Set()).add(name)
  }
  return tokens
}

/** The lower-case names listed in Connection headers: hop-by-hop too (RFC 9110 section 7.6.1). */
function connectionTokens (raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    // Only a name of ten letters can be Connection: the others are not lowered to compare.
    if (name.length === 10 && lowerName(name) === 'connection') tokens = addTokens(raw[i + 1] as string, tokens)
  }
  return tokens
}

/** The Cookie header without the gate's cookies, or undefined when none is left. */
function withoutCookies (value: string, cookies: readonly CookieName[]): string | undefined {
  const names = new Set(cookies.map((cookie) => cookie.name))
  const kept = value.split(';').filter((pair) => {
    const eq = pair.indexOf('=')
    return !names.has((eq === -1 ? pair : pair.slice(0, eq)).trim())
  }).map((pair) => pair.trim())
  return kept.length === 0 ? undefined : kept.join('; ')
}

/**
 * A user name as a header value (Node writes a header string's characters as bytes, Latin-1);
 * undefined when it holds control characters, which no header can carry. A name within Latin-1
 * goes as Latin-1: Node.js apps, SillyTavern among them, read header bytes as Latin-1, and its
 * single sign-on compares the header with the handle, so an account imported from SillyTavern as
 * `jürgen` arrives as `jürgen`. A name beyond it (no app reading Latin-1 can match it) goes as
 * UTF-8, as other proxies send it.
 */
export function userHeaderValue (user: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(user)) return undefined
  // eslint-disable-next-line no-control-regex -- every character of Latin-1
  return /^[\x00-\xff]*$/.test(user) ? user : Buffer.from(user, 'utf8').toString('latin1')
}

/** Receives each forwarded header: its name as sent, in lower case, and its value. */
type Add = (name: string, lower: string, value: string) => void

/** The forwarded request's headers, one by one, in order (see forwardHeaders). */
function eachForwarded (rules: ForwardRules, request: Forwarding, add: Add): void {
  const raw = request.rawHeaders
  const hop = connectionTokens(raw)
  add('Host', 'host', rules.upstreamHost)
  let host: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    const lower = lowerName(name)
    const value = raw[i + 1] as string
    if (rules.strip.has(lower) || lower.startsWith('x-forwarded-') || hop?.has(lower) === true) {
      if (lower === 'host') host ??= value
      continue
    }
    if (lower === 'cookie' && rules.cookies.length > 0) {
      const kept = withoutCookies(value, rules.cookies)
      if (kept !== undefined) add(name, lower, kept)
      continue
    }
    add(name, lower, value)
  }
  add('X-Forwarded-Proto', 'x-forwarded-proto', request.tls ? 'https' : 'http')
  if (host !== undefined) add('X-Forwarded-Host', 'x-forwarded-host', host)
  if (rules.forwardClientAddress) {
    add('X-Forwarded-For', 'x-forwarded-for', request.clientIp)
    add('X-Real-IP', 'x-real-ip', request.clientIp)
  }
  if (rules.userHeader !== '' && request.user !== undefined) {
    const value = userHeaderValue(request.user)
    if (value !== undefined) add(rules.userHeader, rules.userHeaderLower, value)
  }
  if (request.upgrade !== undefined) {
    add('Connection', 'connection', 'Upgrade')
    add('Upgrade', 'upgrade', request.upgrade)
  }
}

/**
 * The raw header list for the forwarded request.
 * @example forwardHeaders(rules, { rawHeaders: ['Host', 'pc:8000'], user: 'alice', clientIp: '192.168.1.5', tls: false })
 *   // ['Host', '127.0.0.1:8001', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'pc:8000', 'Remote-User', 'alice']
 */
export function forwardHeaders (rules: ForwardRules, request: Forwarding): string[] {
  const out: string[] = []
  eachForwarded(rules, request, (name, _lower, value) => { out.push(name, value) })
  return out
}

/** Headers as undici and Fastify take them: lower-case names, repeated ones as a list. */
export type HeaderRecord = Record<string, string | string[]>

/** Adds a header to a record: a repeated one becomes a list, so nothing is merged. */
function addTo (record: HeaderRecord, lower: string, value: string): void {
  const had = record[lower]
  if (had === undefined) record[lower] = value
  else if (typeof had === 'string') record[lower] = [had, value]
  else had.push(value)
}

/**
 * The forwarded request's headers (forwardHeaders) as a record for undici, which sends a listed
 * value once per item: nothing is merged, so a repeated header reaches the app as the client sent
 * it.
 */
export function forwardRecord (rules: ForwardRules, request: Forwarding): HeaderRecord {
  const record: HeaderRecord = {}
  eachForwarded(rules, request, (_name, lower, value) => { addTo(record, lower, value) })
  return record
}

/** The app's answer's headers without its hop-by-hop ones, for the client. */
export function answerHeaders (headers: Readonly<Record<string, string | string[] | undefined>>): HeaderRecord {
  const connection = headers.connection
  // `keep-alive`, what nearly every app sends, names a header that goes anyway.
  const hop = connection === undefined || connection === 'keep-alive'
    ? undefined
    : addTokens(Array.isArray(connection) ? connection.join(',') : connection, undefined)
  const out: HeaderRecord = {}
  for (const name in headers) {
    const value = headers[name]
    const lower = lowerName(name)
    if (value === undefined || HOP_BY_HOP.includes(lower) || hop?.has(lower) === true) continue
    out[name] = value
  }
  return out
}
