import t from 'tap'
import { BadForwardedHeader, createClientAddressResolver } from '../../src/access/client-address.js'
import type { ForwardedHeaders } from '../../src/access/client-address.js'
import { parseAddress } from '../../src/access/ip-address.js'
import { compileIpRules } from '../../src/access/ip-rules.js'

const ALL: ForwardedHeaders = { xRealIp: true, xForwardedFor: true, cfConnectingIp: true }
const DEFAULT: ForwardedHeaders = { xRealIp: true, xForwardedFor: true, cfConnectingIp: false }

function resolver (trusted: string[], enabled = DEFAULT) {
  return createClientAddressResolver(compileIpRules(trusted.map((entry, i) => ({ entry, source: `t[${i}]` })), 'trustedProxies'), enabled)
}

t.test('derives one client address from the peer and trusted headers', async (t) => {
  // [name, trusted proxies, peer, headers, client, forwarded]
  const table: Array<[string, string[], string, Record<string, string>, string, boolean]> = [
    ['a direct client is its socket peer', ['127.0.0.1'], '192.168.1.5', {}, '192.168.1.5', false],
    ['an IPv4-mapped peer is unmapped', ['127.0.0.1'], '::ffff:192.168.1.5', {}, '192.168.1.5', false],
    ['the hex mapped form too', [], '::ffff:c0a8:105', {}, '192.168.1.5', false],
    ['headers from an untrusted peer are ignored', ['127.0.0.1'], '127.0.0.2', { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' }, '127.0.0.2', false],
    ['a trusted proxy forwards the client', ['127.0.0.1'], '127.0.0.1', { 'x-forwarded-for': '203.0.113.7' }, '203.0.113.7', true],
    ['the rightmost untrusted hop wins over what the client made up', ['127.0.0.1'], '127.0.0.1', { 'x-forwarded-for': '127.0.0.1, 10.9.9.9, 203.0.113.7' }, '203.0.113.7', true],
    ['trusted hops are walked through', ['127.0.0.1', '10.0.0.0/8'], '127.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.0.0.2' }, '203.0.113.7', true],
    ['all hops trusted: the leftmost', ['127.0.0.1', '10.0.0.0/8'], '127.0.0.1', { 'x-forwarded-for': '10.0.0.3, 10.0.0.2' }, '10.0.0.3', true],
    ['hops with ports and brackets', ['::1'], '::1', { 'x-forwarded-for': '[2001:db8::7]:443, 203.0.113.7:5678' }, '203.0.113.7', true],
    ['a bracketed hop without port', ['::1'], '::1', { 'x-forwarded-for': '[2001:db8::7]' }, '2001:db8::7', true],
    ['X-Forwarded-For wins over X-Real-IP', ['127.0.0.1'], '127.0.0.1', { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '198.51.100.9' }, '203.0.113.7', true],
    ['X-Real-IP when there is no X-Forwarded-For', ['127.0.0.1'], '127.0.0.1', { 'x-real-ip': '198.51.100.9' }, '198.51.100.9', true],
    ['a trusted proxy with no headers is the client itself', ['127.0.0.1'], '127.0.0.1', {}, '127.0.0.1', false],
    ['CF-Connecting-IP is ignored unless enabled', ['127.0.0.1'], '127.0.0.1', { 'cf-connecting-ip': '198.51.100.9' }, '127.0.0.1', false],
    ['a forwarded mapped address is unmapped', ['127.0.0.1'], '127.0.0.1', { 'x-forwarded-for': '::ffff:203.0.113.7' }, '203.0.113.7', true]
  ]
  for (const [name, trusted, peer, headers, client, forwarded] of table) {
    const result = (() => { const r = resolver(trusted); return r.resolve(r.peer(parseAddress(peer)!), headers) })()
    t.equal(result.ip, client, name)
    t.equal(result.forwarded, forwarded, `${name}: forwarded`)
    t.equal(result.peer, peer.startsWith('::ffff:') ? '192.168.1.5' : peer, `${name}: peer`)
  }
})

t.test('each forwarded header can be switched off', async (t) => {
  const peer = parseAddress('127.0.0.1')!
  const at = (enabled: ForwardedHeaders) => { const r = resolver(['127.0.0.1'], enabled); return (h: Record<string, string>) => r.resolve(r.peer(peer), h) }
  const headers = { 'cf-connecting-ip': '198.51.100.1', 'x-forwarded-for': '198.51.100.2', 'x-real-ip': '198.51.100.3' }
  t.equal(at(ALL)(headers).ip, '198.51.100.1', 'Cloudflare first when enabled')
  t.equal(at({ ...ALL, cfConnectingIp: false })(headers).ip, '198.51.100.2')
  t.equal(at({ ...ALL, cfConnectingIp: false, xForwardedFor: false })(headers).ip, '198.51.100.3')
  t.equal(at({ cfConnectingIp: false, xForwardedFor: false, xRealIp: false })(headers).ip, '127.0.0.1')
})

t.test('a garbage header from a trusted proxy is refused, naming the header', async (t) => {
  const peer = parseAddress('127.0.0.1')!
  const garbage: Array<[Record<string, string | string[]>, string]> = [
    [{ 'x-forwarded-for': 'garbage' }, 'X-Forwarded-For'],
    [{ 'x-forwarded-for': '203.0.113.7, ' }, 'X-Forwarded-For'],
    [{ 'x-forwarded-for': '[2001:db8::1' }, 'X-Forwarded-For'],
    [{ 'x-forwarded-for': '[2001:db8::1]x' }, 'X-Forwarded-For'],
    [{ 'x-forwarded-for': 'fe80::1%eth0' }, 'X-Forwarded-For'],
    [{ 'x-real-ip': '1.2.3.4, 5.6.7.8' }, 'X-Real-IP'],
    [{ 'x-real-ip': ['1.2.3.4', '5.6.7.8'] }, 'X-Real-IP'],
    [{ 'x-real-ip': '' }, 'X-Real-IP'],
    [{ 'cf-connecting-ip': 'x' }, 'CF-Connecting-IP']
  ]
  for (const [headers, name] of garbage) {
    t.throws(() => { const r = resolver(['127.0.0.1'], ALL); r.resolve(r.peer(peer), headers) }, new BadForwardedHeader(name), JSON.stringify(headers))
  }
})
