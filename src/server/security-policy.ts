/**
 * The security policy, top to bottom (DESIGN.md section 5). Every check is one `onRequest` hook,
 * so nothing is parsed or read before it passes, and a refusal is answered, logged and counted in
 * one place.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { BadForwardedHeader } from '../access/client-address.js'
import type { ClientAddress, ClientAddressResolver } from '../access/client-address.js'
import { hostName } from '../access/host-guard.js'
import type { HostGuard } from '../access/host-guard.js'
import { formatAddress, parseAddress } from '../access/ip-address.js'
import type { Address } from '../access/ip-address.js'
import type { RuleSource } from '../access/ip-rules.js'
import type { WhitelistHolder } from '../access/whitelist.js'
import type { Config } from '../config/config.js'
import type { Decision } from '../log/access-log.js'
import { printable } from '../log/access-recorder.js'
import type { AccessRecorder, RequestFacts } from '../log/access-recorder.js'
import { escapeHtml } from './home-page.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: derived once, used by every check, log line and page. */
    client: ClientAddress
    /** The whitelist rule that admitted the request; undefined when whitelistMode is off. */
    admittedBy: RuleSource | undefined
  }
}

export interface SecurityPolicy {
  config: Config
  resolver: ClientAddressResolver
  /** Undefined when hostWhitelist.enabled is false. */
  hostGuard: HostGuard | undefined
  /** Undefined when whitelistMode is false. */
  whitelist: WhitelistHolder | undefined
  recorder: AccessRecorder
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

const PEER = Symbol('tavern-server.peer')
type PeerSocket = Socket & { [PEER]?: Address }

function facts (request: FastifyRequest): RequestFacts {
  return {
    client: request.client,
    method: request.method,
    path: request.url,
    userAgent: request.headers['user-agent']
  }
}

/** Answers a refusal: a short HTML page for browsers, the same sentence as text for the rest. */
export function refuse (request: FastifyRequest, reply: FastifyReply, status: number, message: string): void {
  const html = (request.headers.accept ?? '').includes('text/html')
  reply.code(status)
  if (html) {
    reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status} ${STATUS_CODES[status] as string}</title></head>
<body><p>${escapeHtml(message)}</p></body></html>
`)
  } else {
    reply.type('text/plain; charset=utf-8').send(`${message}\n`)
  }
}

export function registerSecurityPolicy (app: FastifyInstance, policy: SecurityPolicy): void {
  const { config, resolver, hostGuard, whitelist, recorder } = policy
  app.decorateRequest('client', null as unknown as ClientAddress)
  app.decorateRequest('admittedBy', undefined)

  const deny = (request: FastifyRequest, reply: FastifyReply, status: number, reason: Decision, message: string, consoleLine = message): void => {
    recorder.refused(facts(request), status, reason, consoleLine)
    refuse(request, reply, status, message)
  }

  // 0. Who is asking. The peer is parsed once per connection; forwarded headers only count from
  //    a trusted proxy, and a garbage one is a 400, never a 500.
  const clientAddress: Hook = (request, reply, done) => {
    const socket = request.raw.socket as PeerSocket
    let peer = socket[PEER]
    if (peer === undefined) {
      const address = socket.remoteAddress
      /* c8 ignore next 4 -- a socket has no address only once it is destroyed, before any request */
      if (address === undefined) {
        reply.code(400).send()
        return
      }
      // Node writes the peer as an IP address, which always parses.
      peer = parseAddress(address) as Address
      socket[PEER] = peer
    }
    try {
      request.client = resolver.resolve(peer, request.headers)
    } catch (error) {
      /* c8 ignore next -- resolve() throws nothing else; anything else is a bug for Fastify's 500 */
      if (!(error instanceof BadForwardedHeader)) throw error
      const text = formatAddress(peer)
      request.client = { ip: text, parsed: peer, peer: text, parsedPeer: peer, forwarded: false }
      deny(request, reply, 400, 'bad-request', `Bad Request: ${error.message}.`)
      return
    }
    done()
  }
  app.addHook('onRequest', clientAddress)

  // 1. Host check: DNS rebinding. Node itself answers HTTP/1.1 without Host with a 400 (RFC 7230
  //    section 5.4); HTTP/1.0 may omit it, and browsers, the only tool of a rebinding attack,
  //    always send it.
  if (hostGuard !== undefined) {
    const hostCheck: Hook = (request, reply, done) => {
      const host = request.headers.host
      if (host === undefined || hostGuard.allows(host)) {
        done()
        return
      }
      const name = hostName(host)
      deny(request, reply, 403, 'host-rejected',
        `Forbidden: the host name "${name}" is not allowed, to protect against DNS rebinding. If you reach this server by that name, add it to hostWhitelist.hosts in ${config.configPath}.`,
        `Forbidden: request for host "${printable(name)}" from ${request.client.ip} (not this server's name). If you reach this server by that name, add it to hostWhitelist.hosts in ${config.configPath}.`)
    }
    app.addHook('onRequest', hostCheck)
  }

  // 2. IP whitelist: the client, and with enableForwardedWhitelist also the proxy it came through.
  if (whitelist !== undefined) {
    const whitelistCheck: Hook = (request, reply, done) => {
      const { client } = request
      const rules = whitelist.current
      const proxyOk = !client.forwarded || !config.enableForwardedWhitelist || rules.matchParsed(client.parsedPeer) !== undefined
      const rule = client.forwarded && !config.enableForwardedWhitelist
        ? rules.matchParsed(client.parsedPeer)
        : rules.matchParsed(client.parsed)
      if (rule !== undefined && proxyOk) {
        request.admittedBy = rule
        done()
        return
      }
      const details = client.forwarded ? `${client.peer} (forwarded from ${client.ip})` : client.ip
      deny(request, reply, 403, 'forbidden',
        `Forbidden: Connection attempt from ${details}. If you are attempting to connect, please add your IP address in whitelist or disable whitelist mode in config.yaml in ${config.baseDir}.`)
    }
    app.addHook('onRequest', whitelistCheck)
  }

  // Last: the request is admitted. The first one from each address is logged.
  const connectionLog: Hook = (request, _reply, done) => {
    recorder.admitted(facts(request))
    done()
  }
  app.addHook('onRequest', connectionLog)
}
