/**
 * What belongs to tavern-server itself when an app is behind the gate. The app (SillyTavern) has
 * its own `/login` and `/api/users/*`, so tavern-server's pages and API (login, account, admin)
 * live under one prefix that is never forwarded to the app; `/healthz` is tavern-server's too.
 * Everything else is the app's.
 */

/** The prefix of tavern-server's own pages and API: never forwarded, whatever the app is. */
export const RESERVED_PREFIX = '/_tavern/'

/** tavern-server's health check, never forwarded. */
export const HEALTH_PATH = '/healthz'

/** Whether a request target (raw, with its query) is tavern-server's own rather than the app's. */
export function isReserved (url: string): boolean {
  return url.startsWith(RESERVED_PREFIX) || url === '/_tavern' || url.startsWith('/_tavern?')
}
