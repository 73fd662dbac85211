import type { Socket } from 'node:net'
import t from 'tap'
import { escapeHtml } from '../../src/server/home-page.js'
import { testApp } from '../helpers/app.js'

t.test('/healthz answers 200 while serving', async (t) => {
  const { app } = await testApp(t)
  const response = await app.inject({ url: '/healthz' })
  t.equal(response.statusCode, 200)
  t.equal(response.body, 'ok\n')
})

t.test('/ serves the placeholder home page with the client address, escaped', async (t) => {
  const { app } = await testApp(t)
  const response = await app.inject({ url: '/', remoteAddress: '127.0.0.1' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /text\/html/)
  t.match(response.body, /tavern-server is running/)
  t.match(response.body, /<strong>127\.0\.0\.1<\/strong>/)
})

t.test('/robots.txt tells crawlers to index nothing', async (t) => {
  const { app } = await testApp(t)
  const response = await app.inject({ url: '/robots.txt' })
  t.equal(response.statusCode, 200)
  t.equal(response.body, 'User-agent: *\nDisallow: /\n')
  t.equal((await app.inject({ url: '/robots.txt', remoteAddress: '127.0.0.2' })).statusCode, 403, 'behind the gate like every route')
})

t.test('our routes outside the account pages carry our security headers, with or without accounts, also on HEAD and on an error', async (t) => {
  const { withOwnHeaders, OWN_HEADERS, ownHeaders } = await import('../../src/server/own-headers.js')
  for (const config of [{}, { enableUserAccounts: true, satisfy: 'any' }]) {
    const { app } = await testApp(t, config)
    const own = ownHeaders({ enabled: false, hstsMaxAgeSeconds: 0 })
    app.get('/broken', withOwnHeaders(own, async () => { throw Object.assign(new Error('no'), { statusCode: 409 }) }))
    for (const [method, url, status] of [['GET', '/robots.txt', 200], ['HEAD', '/robots.txt', 200], ['GET', '/healthz', 200], ['HEAD', '/', 200], ['GET', '/broken', 409]] as const) {
      const response = await app.inject({ method, url, remoteAddress: '127.0.0.1' })
      t.equal(response.statusCode, status, `${method} ${url}`)
      for (const [name, value] of Object.entries(OWN_HEADERS)) t.equal(response.headers[name], value, `${method} ${url} with ${JSON.stringify(config)}: ${name}`)
    }
  }
})

t.test('answers written outside a reply (a WebSocket\'s 502 and 504) get the same headers: HSTS only over TLS, and only when configured', async (t) => {
  const { rawOwnHeaders, OWN_HEADERS } = await import('../../src/server/own-headers.js')
  const plain = {} as Socket
  const tls = { encrypted: true } as unknown as Socket
  const hsts = { ...OWN_HEADERS, 'strict-transport-security': 'max-age=600' }
  t.same(rawOwnHeaders({ enabled: true, hstsMaxAgeSeconds: 600 })(tls), hsts)
  t.same(rawOwnHeaders({ enabled: true, hstsMaxAgeSeconds: 600 })(plain), OWN_HEADERS, 'never over plain HTTP (RFC 6797 section 7.2)')
  t.same(rawOwnHeaders({ enabled: true, hstsMaxAgeSeconds: 0 })(tls), OWN_HEADERS, 'hstsMaxAgeSeconds 0: none')
  t.same(rawOwnHeaders({ enabled: false, hstsMaxAgeSeconds: 600 })(tls), OWN_HEADERS, 'no TLS configured: none')
})

t.test('server errors reach the console; client errors do not', async (t) => {
  const { app, err } = await testApp(t)
  app.get('/boom', async () => { throw new Error('the disk fell off') })
  app.get('/teapot', async () => { throw Object.assign(new Error('short and stout'), { statusCode: 418 }) })
  t.equal((await app.inject({ url: '/boom' })).statusCode, 500)
  t.equal((await app.inject({ url: '/teapot' })).statusCode, 418)
  t.equal(err(), 'Error while answering GET /boom: the disk fell off\n')
})

t.test('routes with schemas still validate and serialise, with compilers loaded on first use', async (t) => {
  const { app } = await testApp(t)
  app.get('/sum', {
    schema: {
      querystring: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] },
      response: { 200: { type: 'object', properties: { sum: { type: 'integer' } } } }
    }
  }, async (request) => {
    const { a, b } = request.query as { a: number, b: number }
    return { sum: a + b, secret: 'not in the schema' }
  })
  const ok = await app.inject({ url: '/sum?a=2&b=3' })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { sum: 5 }, 'the response schema drops what it does not list')
  t.equal((await app.inject({ url: '/sum?a=2&b=x' })).statusCode, 400)
})

t.test('escapes HTML special characters', async (t) => {
  t.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
})

t.test('a malformed request is a 400, not a crash', async (t) => {
  const { app } = await testApp(t)
  const response = await app.inject({ url: '/%E0%A4%A' })
  t.equal(response.statusCode, 400)
})

t.test('the home page says who you are, where you connect from, what let you in, and how to put an app here', async (t) => {
  const open = await testApp(t, { whitelistMode: false })
  const anyone = (await open.app.inject({ url: '/', remoteAddress: '127.0.0.1' })).body
  t.match(anyone, '<p>No password needed.</p>')
  t.match(anyone, '<p>The IP whitelist is off (whitelistMode: false).</p>')
  t.match(anyone, /<meta name="viewport" content="width=device-width, initial-scale=1">/, 'sized for a phone')
  t.match(anyone, '<pre>app:\n  upstream: http://127.0.0.1:8001</pre>')

  const listed = await testApp(t, { whitelist: ['127.0.0.0/8'] })
  t.match((await listed.app.inject({ url: '/', remoteAddress: '127.0.0.5' })).body,
    /No password needed\.<\/p>\n<p>You are connected from <strong>127\.0\.0\.5<\/strong>: your address as this server sees it\.<\/p>\n<p>Admitted by the whitelist entry <code>127\.0\.0\.0\/8<\/code> \(.*config\.yaml:\d+ whitelist entry 1\)\./)

  const basic = { authorization: `Basic ${Buffer.from('Zoë <b>:pw').toString('base64')}` }
  const user = await testApp(t, { basicAuthMode: true, basicAuthUser: { username: 'Zoë <b>', password: 'pw' } })
  const named = (await user.app.inject({ url: '/', headers: basic })).body
  t.match(named, 'You are logged in as <strong>Zoë &lt;b&gt;</strong>.')
  t.match(named, 'Admitted by the whitelist entry <code>127.0.0.1</code>')
  const nowhitelist = await testApp(t, { whitelistMode: false, basicAuthMode: true, basicAuthUser: { username: 'Zoë <b>', password: 'pw' } })
  t.match((await nowhitelist.app.inject({ url: '/', headers: basic })).body, /You are logged in as <strong>Zoë &lt;b&gt;<\/strong>\.[^]*The IP whitelist is off/)
})
