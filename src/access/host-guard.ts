/**
 * The DNS-rebinding guard: a page on a hostile site can make the browser send requests to this
 * server under the hostile site's name (CVE-2025-59159 in SillyTavern). Such requests carry that
 * name in the Host header; only names that really mean this server are accepted.
 */
import { BoundedMap } from '../log/bounded.js'
import { parseAddress } from './ip-address.js'

export interface HostGuard {
  /** Whether a Host header value (port included) names this server. */
  allows (host: string): boolean
}

/**
 * A Host header as RFC 9110 section 7.2 defines it: an RFC 3986 host (a bracketed IPv6 address, an
 * IPv4 address or a registered name) and an optional port from 0 to 65535. Anything else
 * (`[::1]evil.example`, `localhost:evil.example`, `localhost:99999`) is no browser's and is
 * refused before anything reads it. A registered name is read as RFC 3986 section 3.2.2 writes
 * it: unreserved characters, sub-delims and %-escapes, nothing else (no space, `@`, `/`, `:`).
 */
const HOST_SYNTAX = /^(?:\[([0-9a-f:.]+)\]|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})+)(?::([0-9]{0,5}))?$/i

/** Whether a Host header value is a host with an optional port (see HOST_SYNTAX). */
export function validHost (host: string): boolean {
  const match = HOST_SYNTAX.exec(host)
  if (match === null) return false
  const [, v6, port] = match
  if (v6 !== undefined && (!v6.includes(':') || parseAddress(v6) === undefined)) return false
  return port === undefined || Number(port) <= 65535
}

/** The name part of a Host header, lower-cased, without port or trailing dot. */
export function hostName (host: string): string {
  let name = host.trim().toLowerCase()
  if (name.startsWith('[')) return name.slice(0, name.indexOf(']') + 1) // [v6] literal
  const colon = name.lastIndexOf(':')
  if (colon !== -1) name = name.slice(0, colon)
  return name.endsWith('.') ? name.slice(0, -1) : name
}

/**
 * @param ownNames this machine's host names (os.hostname(), its short form, `.local`)
 * @param extra `hostWhitelist.hosts`: exact names, or `.example.com` for it and its subdomains
 * @example createHostGuard(['my-pc'], ['.ts.net']).allows('my-pc.tailnet.ts.net:8000') // true
 */
export function createHostGuard (ownNames: readonly string[], extra: readonly string[]): HostGuard {
  const exact = new Set<string>()
  const suffixes: string[] = []
  for (const raw of [...ownNames, ...extra]) {
    const name = hostName(raw)
    if (name.startsWith('.')) {
      exact.add(name.slice(1))
      suffixes.push(name)
    } else if (name !== '') {
      exact.add(name)
    }
  }
  const decide = (host: string): boolean => {
    if (!validHost(host)) return false
    const name = hostName(host)
    if (exact.has(name) || name === 'localhost' || name.endsWith('.localhost')) return true
    // IP literals: a rebinding attack needs a name, an address cannot be rebound.
    if (name.startsWith('[') ? parseAddress(name.slice(1, -1)) !== undefined : parseAddress(name) !== undefined) return true
    return suffixes.some((suffix) => name.endsWith(suffix))
  }
  // A server is reached by a handful of names: remember the answers (bounded, so a client
  // sending made-up names cannot grow it).
  const answers = new BoundedMap<string, boolean>(256)
  return {
    allows (host) {
      let answer = answers.get(host)
      if (answer === undefined) {
        answer = decide(host)
        answers.set(host, answer)
      }
      return answer
    }
  }
}

/** This machine's own names: the host name, its first label, and the mDNS `.local` form. */
export function ownHostNames (hostname: string): string[] {
  const full = hostname.toLowerCase()
  const short = full.split('.')[0] as string
  return [...new Set([full, short, `${short}.local`])].filter((n) => n !== '')
}
