/**
 * Security headers on tavern-server's own answers (the home page, refusals, error pages,
 * /healthz): no sniffing, no framing (clickjacking), a Content-Security-Policy that allows the
 * home page's one inline style sheet by its hash and nothing else, no Referer to other sites, and
 * with `ssl.hstsMaxAgeSeconds` Strict-Transport-Security over TLS. The app's answers and the
 * static folder's are theirs, and pass untouched.
 *
 * Our routes add them in their handler (withOwnHeaders), or, for the account pages, in their
 * scope's hook (build.ts); the gate's refusals and the "not found" page, which may answer for any
 * path, add them themselves. A proxied request or a file of the static folder therefore runs no
 * hook for them at all: an app-wide `onSend` hook, checking every answer, cost every request of
 * the app a few percent (bench/results.md). Headers set before the handler answers stay on an
 * error it throws: Fastify's error handling keeps them.
 */
import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/config.js'
import { HOME_STYLE } from './home-page.js'

const HOME_STYLE_HASH = createHash('sha256').update(HOME_STYLE).digest('base64')

/** The headers, but HSTS. Pages that carry their own policy (the account pages) keep it. */
export const OWN_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${HOME_STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin'
}

/** Puts the headers on one of our answers. */
export type OwnHeaders = (request: FastifyRequest, reply: FastifyReply) => void

/**
 * @param ssl HSTS is sent only with `ssl.enabled` and a `hstsMaxAgeSeconds` above 0, and then
 *   only over TLS (RFC 6797 section 7.2: a host must not send it over plain HTTP). Without it, no
 *   answer pays for looking at its socket.
 * @example const own = ownHeaders(config.ssl); own(request, reply.code(403))
 */
export function ownHeaders (ssl: Pick<Config['ssl'], 'enabled' | 'hstsMaxAgeSeconds'>): OwnHeaders {
  const hsts = hstsValue(ssl)
  if (hsts === undefined) {
    return (_request, reply) => {
      if (!reply.hasHeader('content-security-policy')) reply.headers(OWN_HEADERS)
    }
  }
  return (request, reply) => {
    if (!reply.hasHeader('content-security-policy')) reply.headers(OWN_HEADERS)
    if ((request.raw.socket as TLSSocket).encrypted === true) reply.header('strict-transport-security', hsts)
  }
}

/** The Strict-Transport-Security value, or undefined where it is never sent (see ownHeaders). */
function hstsValue (ssl: Pick<Config['ssl'], 'enabled' | 'hstsMaxAgeSeconds'>): string | undefined {
  return !ssl.enabled || ssl.hstsMaxAgeSeconds === 0 ? undefined : `max-age=${ssl.hstsMaxAgeSeconds}`
}

/** The headers for an answer written on a connection outside Fastify's reply, by its socket. */
export type RawOwnHeaders = (socket: Socket) => Readonly<Record<string, string>>

/**
 * The headers for an answer written straight on the connection, outside a Fastify reply (the
 * tunnel's 502 and 504 to an upgrade): the same as ownHeaders sends, HSTS included over TLS.
 * @example res.writeHead(502, { ...rawOwnHeaders(config.ssl)(res.socket), 'content-type': 'text/plain' })
 */
export function rawOwnHeaders (ssl: Pick<Config['ssl'], 'enabled' | 'hstsMaxAgeSeconds'>): RawOwnHeaders {
  const hsts = hstsValue(ssl)
  if (hsts === undefined) return () => OWN_HEADERS
  const withHsts = { ...OWN_HEADERS, 'strict-transport-security': hsts }
  return (socket) => (socket as TLSSocket).encrypted === true ? withHsts : OWN_HEADERS
}

/**
 * A route handler that adds the headers, then answers: for a route outside the account pages'
 * scope, whose hook would cost each of its requests another hook run.
 * @example app.get('/robots.txt', withOwnHeaders(own, async () => ROBOTS_TXT))
 */
export function withOwnHeaders<R> (add: OwnHeaders, handler: (request: FastifyRequest, reply: FastifyReply) => R): (request: FastifyRequest, reply: FastifyReply) => R {
  return (request, reply) => {
    add(request, reply)
    return handler(request, reply)
  }
}

/** Adds the headers to every answer of `scope`, which holds tavern-server's own routes only. */
export function ownRoutesHeaders (scope: FastifyInstance, add: OwnHeaders): void {
  scope.addHook('onSend', (request, reply, payload, done) => {
    add(request, reply)
    done(null, payload)
  })
}
