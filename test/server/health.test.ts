import t from 'tap'
import { testApp } from '../helpers/app.js'

const JSON_ACCEPT = { accept: 'application/json' }

t.test('/healthz says ok to everyone, and who it is in JSON to this computer when asked', async (t) => {
  const { app } = await testApp(t, { whitelistMode: false }, { health: () => ({ service: 'tavern-server', pid: 42 }) })
  const local = await app.inject({ url: '/healthz', remoteAddress: '127.0.0.1', headers: JSON_ACCEPT })
  t.equal(local.statusCode, 200)
  t.equal(local.headers['content-type'], 'application/json; charset=utf-8')
  t.same(JSON.parse(local.body), { status: 'ok', service: 'tavern-server', pid: 42 })
  t.same(JSON.parse((await app.inject({ url: '/healthz', remoteAddress: '::1', headers: JSON_ACCEPT })).body).pid, 42, 'over IPv6 too')
  const plain = await app.inject({ url: '/healthz', remoteAddress: '127.0.0.1' })
  t.equal(plain.body, 'ok\n', 'without asking for JSON')
  for (const [what, remoteAddress, headers] of [
    ['another device', '192.168.1.5', {}],
    ['a tunnel', '127.0.0.1', { 'tailscale-funnel-request': '?1' }],
    ['a proxy on this computer', '127.0.0.1', { 'x-forwarded-for': '203.0.113.5' }]
  ] as const) {
    const answer = await app.inject({ url: '/healthz', remoteAddress, headers: { ...JSON_ACCEPT, ...headers } })
    t.equal(answer.body, 'ok\n', what)
  }
})

t.test('without a report, /healthz is ok for everyone', async (t) => {
  const { app } = await testApp(t)
  t.equal((await app.inject({ url: '/healthz', headers: JSON_ACCEPT })).body, 'ok\n')
})
