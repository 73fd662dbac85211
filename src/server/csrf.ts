/**
 * Cross-site request forgery: another site's page making a logged-in browser change something
 * here (a password, an account). Every state-changing request to our own pages and API must come
 * from our own origin, as the browser reports it (`Sec-Fetch-Site`, else `Origin`); a request
 * with neither header is not from a browser page and carries no ambient risk. On top of that, a
 * form of a logged-in user carries a token bound to their session (or, with per-user Basic auth,
 * to their account's stamp), and JSON calls must be `application/json`, which no other site can
 * send without a CORS preflight that this server never grants. The app behind the gate has its
 * own defence and is left alone.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Account } from '../accounts/account-file.js'

/** Whether the browser says the request comes from a page of this very origin. */
export function sameOrigin (request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin' || site === 'none'
  const origin = request.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === new URL(`${request.protocol}://${String(request.headers.host)}`).host &&
      new URL(origin).protocol === `${request.protocol}:`
  } catch {
    return false // "null" (a sandboxed frame, a redirect across sites) or garbage
  }
}

export class CsrfTokens {
  /** Per process: after a restart, a page left open needs a reload before its forms work. */
  readonly #secret = randomBytes(32)

  /** Whether the request has a user whose forms must carry the token. */
  needed (request: FastifyRequest): boolean {
    return request.account !== undefined
  }

  /** The token for the forms of this request's user (of its session, else of its account). */
  token (request: FastifyRequest): string {
    const { session, account } = request
    const identity = session !== undefined ? `session:${session.key}` : `account:${(account as Account).handle}:${(account as Account).stamp}`
    return createHmac('sha256', this.#secret).update(identity).digest('base64url')
  }

  /** Whether `value` is the token of this request's user. */
  valid (request: FastifyRequest, value: unknown): boolean {
    const expected = this.token(request)
    if (typeof value !== 'string') return false
    const given = Buffer.from(value)
    return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected))
  }
}
