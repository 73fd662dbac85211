/**
 * tavern-server's own pages and API live under one path prefix that is never handed to the app
 * behind the gate: the app has its own `/login` and `/api/users/*` (SillyTavern does), and ours
 * must never collide with them. Whatever the app serves under this prefix is shadowed.
 */

/** The reserved prefix, without a trailing slash. */
export const RESERVED_PREFIX = '/_tavern'

/** The path part of a request target (what comes before `?`). */
export function pathOf (url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

/**
 * Whether a request target is one of ours: the prefix itself or anything below it, as the router
 * sees it (percent-decoded, so `/%5Ftavern/` is ours too).
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
