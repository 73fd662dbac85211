/**
 * A folder behind the gate (app.root), over real sockets: request targets are sent byte for byte,
 * as an attacker would write them, not as a URL parser would clean them up.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { testApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

/** One request with the target exactly as given; the status and body of the answer. */
function raw (port: number, target: string, headers = ''): Promise<{ status: number, text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => { text += chunk })
    socket.on('end', () => resolve({ status: Number(text.slice(9, 12)), text }))
    socket.on('error', reject)
    // Not end(): a client that half-closes has its pending requests dropped by Node.
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`)
  })
}

async function site (t: Test) {
  const dir = t.testdir({
    secret: { 'passwd.txt': 'the secret outside the folder' },
    site: {
      'index.html': '<h1>home</h1>',
      'style.css': 'body{}',
      'app.js': 'let a',
      'data.json': '{}',
      'picture.png': 'PNG',
      '.env': 'SECRET=1',
      '.git': { config: 'url' },
      docs: { 'index.html': '<h1>docs</h1>', 'a b.txt': 'spaced' },
      empty: {},
      'back\\slash.txt': 'a file whose name holds a backslash'
    }
  })
  const root = join(dir, 'site')
  symlinkSync(join(dir, 'secret'), join(root, 'escape'))
  symlinkSync(join(dir, 'secret', 'passwd.txt'), join(root, 'passwd-link.txt'))
  symlinkSync(join(root, 'style.css'), join(root, 'inside-link.css'))
  const made = await testApp(t, { app: { root: './site' } }, { dir })
  await made.app.listen({ host: '127.0.0.1', port: 0 })
  return { ...made, root, port: (made.app.server.address() as AddressInfo).port }
}

t.test('files are served with their content types; folders by their index.html, with a redirect to the slash', async (t) => {
  const { port } = await site(t)
  const origin = `http://127.0.0.1:${port}`
  const table: Array<[string, number, string | undefined, string]> = [
    ['/', 200, 'text/html; charset=utf-8', '<h1>home</h1>'],
    ['/index.html', 200, 'text/html; charset=utf-8', '<h1>home</h1>'],
    ['/style.css', 200, 'text/css; charset=utf-8', 'body{}'],
    ['/app.js', 200, 'application/javascript; charset=utf-8', 'let a'],
    ['/data.json', 200, 'application/json; charset=utf-8', '{}'],
    ['/picture.png', 200, 'image/png', 'PNG'],
    ['/docs/', 200, 'text/html; charset=utf-8', '<h1>docs</h1>'],
    ['/docs/a%20b.txt', 200, 'text/plain; charset=utf-8', 'spaced'],
    ['/style.css?v=2', 200, 'text/css; charset=utf-8', 'body{}'],
    ['/inside-link.css', 200, 'text/css; charset=utf-8', 'body{}']
  ]
  for (const [path, status, type, body] of table) {
    const answer = await request(`${origin}${path}`)
    t.equal(answer.status, status, path)
    t.equal(answer.headers['content-type'], type, `${path}: type`)
    t.equal(answer.body, body, `${path}: body`)
  }
  const folder = await request(`${origin}/docs`)
  t.equal(folder.status, 301)
  t.equal(folder.headers.location, '/docs/')
  t.equal((await request(`${origin}/docs/`, { method: 'HEAD' })).body, '', 'HEAD: no body')
})

t.test('ETag and Last-Modified: an unchanged file is answered 304', async (t) => {
  const { port } = await site(t)
  const first = await request(`http://127.0.0.1:${port}/style.css`)
  t.type(first.headers.etag, 'string')
  t.type(first.headers['last-modified'], 'string')
  const byTag = await request(`http://127.0.0.1:${port}/style.css`, { headers: { 'if-none-match': first.headers.etag as string } })
  t.equal(byTag.status, 304)
  t.equal(byTag.body, '')
  const byDate = await request(`http://127.0.0.1:${port}/style.css`, { headers: { 'if-modified-since': first.headers['last-modified'] as string } })
  t.equal(byDate.status, 304)
  const changed = await request(`http://127.0.0.1:${port}/style.css`, { headers: { 'if-none-match': '"other"' } })
  t.equal(changed.status, 200)
  const part = await request(`http://127.0.0.1:${port}/style.css`, { headers: { range: 'bytes=1-2' } })
  t.equal(part.status, 206)
  t.equal(part.body, 'od')
  t.equal((await request(`http://127.0.0.1:${port}/style.css`, { headers: { range: 'bytes=100-200' } })).status, 416)
  t.equal((await request(`http://127.0.0.1:${port}/style.css`, { headers: { 'if-match': '"other"' } })).status, 412)
})

t.test('no listings, no dotfiles, and nothing outside the folder in any encoding', async (t) => {
  const { port } = await site(t)
  const refused: string[] = [
    '/empty/', '/nothing.html', '/.env', '/.git/config', '/%2eenv', '/docs/../.env',
    '/../secret/passwd.txt', '/..%2fsecret%2fpasswd.txt', '/%2e%2e/secret/passwd.txt', '/%2e%2e%2fsecret%2fpasswd.txt',
    '/..%5csecret%5cpasswd.txt', '/..\\secret\\passwd.txt', '/docs/..%2f..%2fsecret/passwd.txt', '/%252e%252e/secret/passwd.txt',
    '//etc/passwd', '/' + join(process.cwd(), 'package.json'), '/%00', '/style.css%00.html', '/%E0%A4%A',
    '/escape/passwd.txt', '/passwd-link.txt', '/escape/'
  ]
  for (const target of refused) {
    const answer = await raw(port, target)
    t.ok([400, 403, 404].includes(answer.status), `${target}: ${answer.status}`)
    t.notMatch(answer.text, /the secret outside|SECRET=1|"name": "tavern-server"/, `${target}: nothing leaks`)
  }
  t.equal((await raw(port, '/escape/passwd.txt')).status, 403, 'a link out of the folder is refused as such')
  // @fastify/static refuses every backslash (on Windows it separates folders), even where it is
  // part of a file's name; a browser sends a typed backslash as a slash anyway.
  t.equal((await raw(port, '/back\\slash.txt')).status, 403, 'a backslash is refused, even in a name the folder has')
  t.equal((await raw(port, '/back%5cslash.txt')).status, 403, 'encoded too')
})

t.test('a link out of the folder is refused for every way of asking: HEAD, a 304, a range, a folder\'s index.html', async (t) => {
  const { root, port } = await site(t)
  mkdirSync(join(root, 'leaky'))
  symlinkSync(join(root, '..', 'secret', 'passwd.txt'), join(root, 'leaky', 'index.html'))
  const direct = await request(`http://127.0.0.1:${port}/passwd-link.txt`, { headers: { accept: 'text/html' } })
  t.equal(direct.status, 403)
  t.match(direct.headers['content-type'], 'text/html', 'the gate\'s own page')
  t.notOk(direct.headers.etag, 'nothing about the file: no ETag')
  t.notOk(direct.headers['last-modified'], 'no Last-Modified')
  t.equal(direct.headers['content-length'], String(Buffer.byteLength(direct.body)), 'the length of the page, not of the file')
  const asked: Array<[string, Record<string, string>]> = [
    ['HEAD', {}],
    ['GET', { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() }],
    ['GET', { range: 'bytes=0-3' }]
  ]
  for (const [method, headers] of asked) {
    const answer = await request(`http://127.0.0.1:${port}/passwd-link.txt`, { method, headers })
    t.equal(answer.status, 403, `${method} ${JSON.stringify(headers)}`)
    t.notMatch(answer.body, 'the secret outside')
  }
  const index = await request(`http://127.0.0.1:${port}/leaky/`)
  t.equal(index.status, 403, 'an index.html that links out')
  t.notMatch(index.body, 'the secret outside')
})

t.test('a file that cannot be read is a 500 page, and the console hears of it', async (t) => {
  const { root, port, err } = await site(t)
  symlinkSync('loop', join(root, 'loop'))
  const answer = await request(`http://127.0.0.1:${port}/loop`)
  t.equal(answer.status, 500)
  t.match(answer.body, 'Internal Server Error: the file cannot be read.')
  t.match(err(), 'Error while answering GET /loop')
})

t.test('paths under /_tavern/ are the gate\'s, even when the folder has them; the gate applies to files', async (t) => {
  const { root, port } = await site(t)
  mkdirSync(join(root, '_tavern'))
  writeFileSync(join(root, '_tavern', 'login'), 'a file')
  t.equal((await raw(port, '/_tavern/login')).status, 404)
  t.equal((await raw(port, '/style.css', 'Host: rebind.example\r\n')).status, 200, 'the Host header is the raw helper\'s first one')
  const { app } = await testApp(t, { whitelist: ['127.0.0.1'], app: { root } })
  t.equal((await app.inject({ url: '/style.css', remoteAddress: '127.0.0.2' })).statusCode, 403, 'off the whitelist')
  t.equal((await app.inject({ url: '/style.css', method: 'POST', payload: 'x' })).statusCode, 404, 'files are read, not written')
  t.equal((await app.inject({ url: '/robots.txt' })).statusCode, 404, 'robots.txt is the folder\'s, and it has none')
})

t.test('a missing file is the gate\'s own 404 page: HTML for browsers, a line of text for scripts', async (t) => {
  const { port } = await site(t)
  const text = await request(`http://127.0.0.1:${port}/nothing.html`)
  t.equal(text.status, 404)
  t.equal(text.body, 'Not Found: there is nothing at this address.\n')
  const html = await request(`http://127.0.0.1:${port}/nothing.html`, { headers: { accept: 'text/html' } })
  t.match(html.headers['content-type'], 'text/html')
  t.match(html.body, /^<!doctype html>[^]*404 Not Found/)
})
