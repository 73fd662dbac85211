import t from 'tap'
import { createClientAddressResolver } from '../../src/access/client-address.js'
import { parseAddress } from '../../src/access/ip-address.js'
import type { Address } from '../../src/access/ip-address.js'
import { compileIpRules } from '../../src/access/ip-rules.js'
import { isLoopback, NO_MARK, relayMark, tunnelMarks, tunnelRule } from '../../src/access/tunnel-marks.js'

const list = (...entries: string[]) => compileIpRules(entries.map((entry) => ({ entry, source: entry })), 'list')
const resolver = (trusted: string[], cfConnectingIp = false) => createClientAddressResolver(list(...trusted), { xRealIp: true, xForwardedFor: true, cfConnectingIp, forwarded: true })
const address = (text: string) => parseAddress(text) as Address

/** The sighting for a request from `peer` with `headers`, as the gate sees it. */
function sight (peer: string, headers: Record<string, string>, trusted = ['127.0.0.1', '::1'], cf = false) {
  const r = resolver(trusted, cf)
  const client = r.resolve(r.peer(address(peer)), headers)
  return tunnelMarks(address(peer), Object.entries(headers).flat(), client)
}

t.test('loopback is 127.0.0.0/8 and ::1, nothing else', async (t) => {
  for (const a of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1']) t.ok(isLoopback(address(a)), a)
  for (const a of ['128.0.0.1', '126.255.255.255', '::2', '::', '10.0.0.1', 'fe80::1']) t.notOk(isLoopback(address(a)), a)
})

t.test('each tunnel\'s marks from loopback, with no origin anybody resolved', async (t) => {
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ 'tailscale-funnel-request': '?1' }, 'Tailscale Funnel', 'Tailscale-Funnel-Request'],
    [{ 'tailscale-ingress-src': '203.0.113.5:4444' }, 'Tailscale Funnel', 'Tailscale-Ingress-Src'],
    [{ 'tailscale-user-login': 'alice@example.com' }, 'Tailscale Serve', 'Tailscale-User-Login'],
    [{ 'tailscale-user-name': 'Alice' }, 'Tailscale Serve', 'Tailscale-User-Name'],
    [{ 'cf-connecting-ip': '203.0.113.9' }, 'Cloudflare Tunnel', 'CF-Connecting-IP'],
    [{ 'cf-ray': '8a1b2c3d4e5f-AMS' }, 'Cloudflare Tunnel', 'Cf-Ray'],
    [{ 'cf-visitor': '{"scheme":"https"}' }, 'Cloudflare Tunnel', 'Cf-Visitor'],
    [{ 'ngrok-trace-id': 'abc' }, 'ngrok', 'Ngrok-Trace-Id'],
    [{ 'ngrok-skip-browser-warning': '1' }, 'ngrok', 'Ngrok-Skip-Browser-Warning']
  ]
  for (const [headers, tunnel, mark] of cases) {
    t.same(sight('127.0.0.1', headers), { tunnel, mark, origin: undefined }, mark)
    t.same(sight('::1', headers), { tunnel, mark, origin: undefined }, `${mark} from ::1`)
  }
})

t.test('a tunnel that forwards the visitor\'s address through a trusted proxy\'s header is judged by it', async (t) => {
  t.same(sight('127.0.0.1', { 'tailscale-user-login': 'alice@example.com', 'x-forwarded-for': '100.101.1.2' }), { tunnel: 'Tailscale Serve', mark: 'Tailscale-User-Login', origin: '100.101.1.2' })
  t.same(sight('127.0.0.1', { 'cf-ray': 'x', 'cf-connecting-ip': '203.0.113.9' }, undefined, true), { tunnel: 'Cloudflare Tunnel', mark: 'CF-Connecting-IP', origin: '203.0.113.9' }, 'CF-Connecting-IP when it is read')
  t.same(sight('127.0.0.1', { 'cf-ray': 'x', 'cf-connecting-ip': '203.0.113.9' }), { tunnel: 'Cloudflare Tunnel', mark: 'CF-Connecting-IP', origin: undefined }, 'but not when it is off')
  t.same(sight('127.0.0.1', { 'cf-ray': 'x', 'x-forwarded-for': '127.0.0.1' }), { tunnel: 'Cloudflare Tunnel', mark: 'Cf-Ray', origin: undefined }, 'a loopback origin is no visitor\'s')
  t.same(sight('127.0.0.1', { 'ngrok-trace-id': 'x', 'x-forwarded-for': '127.0.0.1, 198.51.100.4' }), { tunnel: 'ngrok', mark: 'Ngrok-Trace-Id', origin: '198.51.100.4' }, 'the rightmost untrusted hop')
  t.same(sight('127.0.0.1', { 'tailscale-funnel-request': '?1', 'x-forwarded-for': '203.0.113.5' }, []), { tunnel: 'Tailscale Funnel', mark: 'Tailscale-Funnel-Request', origin: undefined }, 'from a peer that is not a trusted proxy')
})

t.test('forwarded headers the trusted-proxy rules did not resolve mark a relay of unknown origin', async (t) => {
  for (const header of ['x-forwarded-for', 'x-real-ip', 'forwarded', 'true-client-ip']) {
    t.same(sight('127.0.0.1', { [header]: '203.0.113.5' }, []), { tunnel: 'a proxy or tunnel', mark: header === 'x-forwarded-for' ? 'X-Forwarded-For' : header === 'x-real-ip' ? 'X-Real-IP' : header === 'forwarded' ? 'Forwarded' : 'True-Client-IP', origin: undefined }, header)
  }
})

t.test('nothing is a tunnel without marks, away from loopback, or when a trusted proxy named the client', async (t) => {
  t.equal(sight('127.0.0.1', {}), undefined, 'the browser on this computer')
  t.equal(sight('127.0.0.1', { 'user-agent': 'curl/8', accept: '*/*' }), undefined)
  t.equal(sight('192.168.1.20', { 'tailscale-funnel-request': '?1' }), undefined, 'a LAN peer is what its address says')
  t.equal(sight('127.0.0.1', { 'x-forwarded-for': '203.0.113.5' }), undefined, 'nginx in front: judged by the forwarded client, as before')
  t.equal(sight('127.0.0.1', { 'x-forwarded-for': '127.0.0.1' }), undefined, 'nginx in front of a browser on this computer')
})

t.test('the rule admitting a relayed request is the visitor\'s, never the loopback peer\'s', async (t) => {
  const r = resolver(['127.0.0.1'])
  const client = r.resolve(r.peer(address('127.0.0.1')), { 'x-forwarded-for': '203.0.113.5' })
  const known = { tunnel: 'Cloudflare Tunnel' as const, mark: 'Cf-Ray', origin: '203.0.113.5' }
  t.equal(tunnelRule(known, client, list('127.0.0.1'), true), undefined)
  t.equal(tunnelRule(known, client, list('127.0.0.1'), false), undefined, 'even without enableForwardedWhitelist')
  t.same(tunnelRule(known, client, list('127.0.0.1', '203.0.113.0/24'), true), { entry: '203.0.113.0/24', source: '203.0.113.0/24' })
  t.equal(tunnelRule(known, client, list('203.0.113.0/24'), true), undefined, 'with enableForwardedWhitelist the proxy must be listed too')
  t.same(tunnelRule(known, client, list('203.0.113.0/24'), false), { entry: '203.0.113.0/24', source: '203.0.113.0/24' })
  t.equal(tunnelRule({ ...known, origin: undefined }, client, list('0.0.0.0/0'), false), undefined, 'no origin: no entry admits it')
})

t.test('names are matched in any case, a tunnel\'s mark wins over a relay header, and a browser\'s headers are no marks', async (t) => {
  const r = resolver([])
  const client = r.resolve(r.peer(address('127.0.0.1')), {})
  const raw = (...names: string[]) => names.flatMap((name) => [name, 'x'])
  t.match(tunnelMarks(address('127.0.0.1'), raw('CF-RAY'), client), { tunnel: 'Cloudflare Tunnel', mark: 'Cf-Ray' })
  t.match(tunnelMarks(address('127.0.0.1'), raw('x-forwarded-for', 'TAILSCALE-USER-NAME', 'tailscale-funnel-request'), client), { tunnel: 'Tailscale Funnel', mark: 'Tailscale-Funnel-Request' }, 'by the order of the marks, not of the headers')
  t.equal(tunnelMarks(address('127.0.0.1'), raw('Host', 'Connection', 'Cookie', 'Cache-Control', 'Content-Type', 'TE', 'X-Requested-With', 'From', 'Ngrok', 'Tailscale', 'Forwarded-Ish', 'User-Agent', 'Accept'), client), undefined)
  t.match(tunnelMarks(address('127.0.0.1'), raw('Forwarded', 'Forwarded'), client), { tunnel: 'a proxy or tunnel', mark: 'Forwarded' }, 'repeated')
})

t.test('every header the resolver names a client by is a mark, so a request with no mark keeps its peer as client (the gate skips the resolver then)', async (t) => {
  const r = createClientAddressResolver(list('127.0.0.1'), { xRealIp: true, xForwardedFor: true, cfConnectingIp: true, forwarded: true })
  const peer = r.peer(address('127.0.0.1'))
  const forwarded: Record<string, string> = { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.7', forwarded: 'for=203.0.113.7', 'cf-connecting-ip': '203.0.113.7' }
  for (const [name, value] of Object.entries(forwarded)) {
    t.equal(r.resolve(peer, { [name]: value }).ip, '203.0.113.7', `${name} names the client`)
    for (const written of [name, name.toUpperCase()]) t.not(relayMark([written, value]), NO_MARK, `${written} is a mark`)
  }
  t.equal(relayMark(['Host', 'x', 'Cookie', 'y', 'Cache-Control', 'z']), NO_MARK)
  t.equal(r.resolve(peer, { host: 'x', cookie: 'y' }), peer.direct, 'no mark, no forwarded client')
})
