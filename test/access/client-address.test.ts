import fc from 'fast-check'
import t from 'tap'
import { BadForwardedHeader, createClientAddressResolver, DisagreeingForwardedHeaders, forwardedFors } from '../../src/access/client-address.js'
import type { ForwardedHeaders } from '../../src/access/client-address.js'
import { parseAddress } from '../../src/access/ip-address.js'
import { compileIpRules } from '../../src/access/ip-rules.js'

const ALL: ForwardedHeaders = { xRealIp: true, xForwardedFor: true, cfConnectingIp: true, forwarded: true }
const DEFAULT: ForwardedHeaders = { xRealIp: true, xForwardedFor: true, cfConnectingIp: false, forwarded: true }
const NONE: ForwardedHeaders = { xRealIp: false, xForwardedFor: false, cfConnectingIp: false, forwarded: false }

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
    ['X-Forwarded-For and X-Real-IP that agree', ['127.0.0.1'], '127.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.7', 'x-real-ip': '203.0.113.7' }, '203.0.113.7', true],
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
  t.equal(at({ ...NONE, cfConnectingIp: true })(headers).ip, '198.51.100.1')
  t.equal(at({ ...NONE, xForwardedFor: true })(headers).ip, '198.51.100.2')
  t.equal(at({ ...NONE, xRealIp: true })(headers).ip, '198.51.100.3')
  t.equal(at({ ...NONE, forwarded: true })({ ...headers, forwarded: 'for=198.51.100.4' }).ip, '198.51.100.4')
  t.equal(at(NONE)({ ...headers, forwarded: 'for=198.51.100.4' }).ip, '127.0.0.1')
})

t.test('enabled headers that name different clients are refused, naming both', async (t) => {
  const peer = parseAddress('127.0.0.1')!
  const table: Array<[Record<string, string>, [string, string], [string, string]]> = [
    [{ 'x-forwarded-for': '127.0.0.2', 'x-real-ip': '127.0.0.9' }, ['X-Forwarded-For', 'X-Real-IP'], ['127.0.0.2', '127.0.0.9']],
    [{ 'cf-connecting-ip': '198.51.100.1', 'x-forwarded-for': '198.51.100.1, 198.51.100.2' }, ['CF-Connecting-IP', 'X-Forwarded-For'], ['198.51.100.1', '198.51.100.2']],
    [{ forwarded: 'for=unknown', 'x-real-ip': '198.51.100.3' }, ['Forwarded', 'X-Real-IP'], ['unknown', '198.51.100.3']],
    [{ 'x-forwarded-for': '198.51.100.1', forwarded: 'for="[2001:db8::1]"' }, ['X-Forwarded-For', 'Forwarded'], ['198.51.100.1', '2001:db8::1']]
  ]
  for (const [headers, names, clients] of table) {
    t.throws(() => { const r = resolver(['127.0.0.1'], ALL); r.resolve(r.peer(peer), headers) }, new DisagreeingForwardedHeaders(names, clients), JSON.stringify(headers))
  }
  const r = resolver(['127.0.0.1'], ALL)
  t.equal(r.resolve(r.peer(peer), { 'cf-connecting-ip': '198.51.100.1', 'x-forwarded-for': '198.51.100.1', forwarded: 'for=198.51.100.1', 'x-real-ip': '198.51.100.1' }).ip, '198.51.100.1', 'all four agreeing')
})

t.test('RFC 7239 Forwarded: quoted values, ports, brackets, several hops and lines', async (t) => {
  // [name, trusted proxies, Forwarded, client, hidden]
  const table: Array<[string, string[], string | string[], string, boolean]> = [
    ['a plain for', ['127.0.0.1'], 'for=192.0.2.60', '192.0.2.60', false],
    ['quoted with a port', ['127.0.0.1'], 'for="192.0.2.60:4711"', '192.0.2.60', false],
    ['IPv6 in brackets with a port', ['127.0.0.1'], 'for="[2001:db8:cafe::17]:4711"', '2001:db8:cafe::17', false],
    ['IPv6 in brackets, unquoted', ['127.0.0.1'], 'for=[2001:db8::1]', '2001:db8::1', false],
    ['parameter names in any case, other parameters around it', ['127.0.0.1'], 'proto=https; FOR=192.0.2.43 ;by=203.0.113.60;host="a;b,c"', '192.0.2.43', false],
    ['an escaped quoted value', ['127.0.0.1'], 'for="192.0.2.\\4\\3"', '192.0.2.43', false],
    ['several hops: the nearest untrusted one', ['127.0.0.1', '10.0.0.0/8'], 'for=198.51.100.1, for=192.0.2.43, for=10.0.0.2', '192.0.2.43', false],
    ['several header lines, joined', ['127.0.0.1', '10.0.0.0/8'], ['for=198.51.100.1', 'for=192.0.2.43,for="10.0.0.2"'], '192.0.2.43', false],
    ['empty list elements are skipped', ['127.0.0.1'], ', for=192.0.2.43 ,,', '192.0.2.43', false],
    ['all hops trusted: the leftmost', ['127.0.0.1', '10.0.0.0/8'], 'for=10.0.0.3, for=10.0.0.2', '10.0.0.3', false],
    ['unknown hides the client', ['127.0.0.1'], 'for=unknown', 'unknown', true],
    ['an obfuscated name hides the client', ['127.0.0.1'], 'for="_hidden:_port"', 'unknown', true],
    ['a hidden hop stops the walk', ['127.0.0.1', '10.0.0.0/8'], 'for=192.0.2.43, for="unknown:4711", for=10.0.0.2', 'unknown', true],
    ['an element without for hides its client', ['127.0.0.1'], 'for=192.0.2.43, proto=https', 'unknown', true],
    ['a mapped address is unmapped', ['127.0.0.1'], 'for="[::ffff:192.0.2.43]"', '192.0.2.43', false]
  ]
  const peer = parseAddress('127.0.0.1')!
  for (const [name, trusted, forwarded, client, hidden] of table) {
    const r = resolver(trusted)
    const result = r.resolve(r.peer(peer), { forwarded: Array.isArray(forwarded) ? forwarded.join(', ') : forwarded })
    t.equal(result.ip, client, name)
    t.equal(result.hidden, hidden, `${name}: hidden`)
    t.equal(result.forwarded, true, `${name}: forwarded`)
    t.equal(result.peer, '127.0.0.1', `${name}: peer`)
    if (hidden) t.same(result.parsed, peer, `${name}: the peer's address, for rate limits`)
  }
  t.same(forwardedFors('for=a;proto=b, by=c'), ['a', undefined])
})

t.test('RFC 7239 Forwarded that breaks the syntax or names no address is refused', async (t) => {
  const peer = parseAddress('127.0.0.1')!
  const garbage = ['', ' , ', 'garbage', 'for', 'for=', 'for="192.0.2.1', 'for=192.0.2.1 x', 'for=192.0.2.1;for=192.0.2.2', '=192.0.2.1',
    'for=not-an-address', 'for="[2001:db8::1"', 'for="[2001:db8::1]x"', 'for="192.0.2.1:port"', 'for=_', 'for="_bad name"', 'for=fe80::1%eth0']
  for (const value of garbage) {
    t.throws(() => { const r = resolver(['127.0.0.1']); r.resolve(r.peer(peer), { forwarded: value }) }, new BadForwardedHeader('Forwarded'), JSON.stringify(value))
  }
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

/**
 * A reference model of the resolution, written from the rules in the README rather than from the
 * code: addresses are canonical strings, trusted proxies a set, a header a list of hops.
 */
t.test('forwarded headers resolve as the reference model says', async (t) => {
  const V4 = ['127.0.0.1', '10.0.0.1', '10.0.0.2', '192.0.2.7']
  const V6 = ['::1', '2001:db8::1', '2001:db8::2']
  const UNIVERSE = [...V4, ...V6]
  type Hop = { address: string, form: number } | 'unknown' | '_obf' | 'none' | 'garbage'
  const address = fc.record({ address: fc.constantFrom(...UNIVERSE), form: fc.nat(3) })
  /** How proxies write an address in X-Forwarded-For, X-Real-IP and CF-Connecting-IP. */
  const plain = ({ address: a, form }: { address: string, form: number }): string => {
    if (a.includes(':')) return [a, `[${a}]`, `[${a}]:443`, a][form] as string
    return [a, `${a}:5678`, `::ffff:${a}`, ` ${a} `][form] as string
  }
  /** And in Forwarded (RFC 7239): IPv6 bracketed and quoted. */
  const node = ({ address: a, form }: { address: string, form: number }): string => {
    const text = a.includes(':') ? (form % 2 === 0 ? `[${a}]` : `[${a}]:4711`) : (form % 2 === 0 ? a : `${a}:4711`)
    return form < 2 && !a.includes(':') ? text.replace(':4711', '') : `"${text}"`
  }
  const hop: fc.Arbitrary<Hop> = fc.oneof({ arbitrary: address, weight: 12 }, fc.constantFrom<Hop>('unknown', '_obf', 'none', 'garbage'))
  const listOf = fc.array(hop, { minLength: 1, maxLength: 4 })
  const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 })
  const scenario = fc.record({
    trusted: fc.subarray(UNIVERSE),
    peer: fc.constantFrom(...UNIVERSE),
    enabled: fc.record({ xRealIp: fc.boolean(), xForwardedFor: fc.boolean(), cfConnectingIp: fc.boolean(), forwarded: fc.boolean() }),
    xff: maybe(listOf),
    forwarded: maybe(listOf),
    real: maybe(hop),
    cf: maybe(hop)
  })

  const write = {
    xff: (hops: Hop[]) => hops.map((h) => typeof h === 'object' ? plain(h) : h === 'garbage' ? 'x' : h).join(','),
    forwarded: (hops: Hop[]) => hops.map((h) => typeof h === 'object' ? `for=${node(h)};proto=https` : h === 'none' ? 'proto=http' : h === 'garbage' ? 'for=x' : `for=${h}`).join(', '),
    one: (h: Hop) => typeof h === 'object' ? plain(h) : h
  }
  /**
   * The client a header names: an address, 'unknown', or 'bad'. Hops are read from the nearest
   * one back to the first that is not a trusted proxy; what is left of it is the client's own text.
   */
  const walk = (hops: Hop[], trusted: Set<string>, forwarded: boolean): string => {
    for (let i = hops.length - 1; i >= 0; i--) {
      const h = hops[i]!
      if (h === 'garbage' || (!forwarded && typeof h !== 'object')) return 'bad'
      if (typeof h !== 'object') return 'unknown'
      if (!trusted.has(h.address) || i === 0) return h.address
    }
    /* c8 ignore next */
    throw new Error('unreachable')
  }
  const single = (h: Hop): string => typeof h === 'object' ? h.address : 'bad'

  fc.assert(fc.property(scenario, (s) => {
    const trusted = new Set(s.trusted)
    const named: Array<[string, string]> = []
    const headers: Record<string, string> = {}
    if (s.cf !== undefined) {
      headers['cf-connecting-ip'] = write.one(s.cf)
      if (s.enabled.cfConnectingIp) named.push(['CF-Connecting-IP', single(s.cf)])
    }
    if (s.xff !== undefined) {
      headers['x-forwarded-for'] = write.xff(s.xff)
      if (s.enabled.xForwardedFor) named.push(['X-Forwarded-For', walk(s.xff, trusted, false)])
    }
    if (s.forwarded !== undefined) {
      headers.forwarded = write.forwarded(s.forwarded)
      if (s.enabled.forwarded) named.push(['Forwarded', walk(s.forwarded, trusted, true)])
    }
    if (s.real !== undefined) {
      headers['x-real-ip'] = write.one(s.real)
      if (s.enabled.xRealIp) named.push(['X-Real-IP', single(s.real)])
    }
    const r = resolver(s.trusted, s.enabled)
    const run = () => r.resolve(r.peer(parseAddress(s.peer)!), headers)
    const counted = trusted.has(s.peer) ? named : []
    const bad = counted.some(([, c]) => c === 'bad')
    const clients = new Set(counted.map(([, c]) => c).filter((c) => c !== 'bad'))
    if (bad || clients.size > 1) {
      let thrown: unknown
      try { run() } catch (error) { thrown = error }
      // Both wrong at once: either refusal is right.
      return clients.size > 1 ? thrown instanceof DisagreeingForwardedHeaders || thrown instanceof BadForwardedHeader : thrown instanceof BadForwardedHeader
    }
    const result = run()
    const [client] = clients
    const expected = client === undefined ? [s.peer, false, false, s.peer] : [client, true, client === 'unknown', s.peer]
    return JSON.stringify([result.ip, result.forwarded, result.hidden, result.peer]) === JSON.stringify(expected)
  }), { numRuns: 3000 })
  t.pass('3000 scenarios as the model says')
})
