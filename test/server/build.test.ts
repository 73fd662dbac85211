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

t.test('Fastify\'s own info lines stay quiet; its errors still show', async (t) => {
  const { app: info } = await testApp(t)
  const { app: error } = await testApp(t, { logging: { minLogLevel: 'error' } })
  t.equal(info.log.level, 'warn')
  t.equal(error.log.level, 'error')
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
