/**
 * What belongs to tavern-server itself, whatever app is behind the gate. The app (SillyTavern) has
 * its own `/login` and `/api/users/*`, so tavern-server's pages and API (login, account, admin)
 * live under one path prefix that is never handed to the app; `/healthz` is tavern-server's too.
 * Whatever the app serves under the prefix is shadowed. Everything else is the app's.
 */

/** The prefix of tavern-server's own pages and API, without a trailing slash. */
export const RESERVED_PREFIX = '/_tavern'

/** tavern-server's health check, never forwarded. */
export const HEALTH_PATH = '/healthz'

/** The path part of a request target (what comes before `?`). */
export function pathOf (url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

/**
 * Whether a request target (raw, with its query) is tavern-server's own rather than the app's:
 * the prefix itself or anything below it, as the router sees it (percent-decoded, so
 * `/%5Ftavern/` is ours too).
 * @example isReserved('/_tavern/login?next=%2F') // true
 */
export function isReserved (url: string): boolean {
  let path = pathOf(url)
  if (path.includes('%')) {
    try {
      path = decodeURIComponent(path)
    } catch {
      // Not decodable: the router cannot match it either; compare it as it is.
    }
  }
  return path === RESERVED_PREFIX || path.startsWith(`${RESERVED_PREFIX}/`)
}
