/**
 * Security headers on tavern-server's own answers (the home page, refusals, error pages,
 * /healthz): no sniffing, no framing (clickjacking), a Content-Security-Policy that allows the
 * home page's one inline style sheet by its hash and nothing else, no Referer to other sites, and
 * with `ssl.hstsMaxAgeSeconds` Strict-Transport-Security over TLS. The app's answers and the
 * static folder's are theirs, and pass untouched: those scopes mark their requests.
 */
import { createHash } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HOME_STYLE } from './home-page.js'

const HOME_STYLE_HASH = createHash('sha256').update(HOME_STYLE).digest('base64')

/** The headers, but HSTS. Pages that carry their own policy (the account pages) keep it. */
export const OWN_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${HOME_STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin'
}

const answeredByApp = new WeakSet<FastifyRequest>()

/** Leaves the answers of a scope (the app behind the gate, the static folder) without our headers. */
export function appAnswers (scope: FastifyInstance): void {
  scope.addHook('onRequest', (request, _reply, done) => {
    answeredByApp.add(request)
    done()
  })
}

/**
 * @param hstsMaxAgeSeconds `ssl.hstsMaxAgeSeconds`; 0 sends no HSTS. Sent over TLS only (RFC 6797
 *   section 7.2: a host must not send it over plain HTTP).
 */
export function registerOwnHeaders (app: FastifyInstance, hstsMaxAgeSeconds: number): void {
  const hsts = `max-age=${hstsMaxAgeSeconds}`
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!answeredByApp.has(request)) {
      if (!reply.hasHeader('content-security-policy')) reply.headers(OWN_HEADERS)
      if (hstsMaxAgeSeconds > 0 && (request.raw.socket as TLSSocket).encrypted === true) reply.header('strict-transport-security', hsts)
    }
    done(null, payload)
  })
}
