/**
 * The Host header read strictly, over raw sockets to the real CLI: forms no browser sends are a
 * 400 before anything reads them, with the Host guard on or off, and plain http:// on the HTTPS
 * port is redirected only to a host the guard allows.
 */
import { connect } from 'node:net'
import t from 'tap'
import { startCli } from '../helpers/cli.js'
import { issue, makeCa } from '../helpers/pki.js'
import { startUpstream } from '../helpers/upstream.js'

const ca = await makeCa()
const leaf = await issue(ca)

/** Sends one request with this Host and resolves with the whole answer. */
function withHost (port: number, host: string, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1') })
    socket.on('end', () => { socket.end(); resolve(answer) })
    socket.on('error', reject)
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
  })
}

const MALFORMED = ['[::1]evil.example', 'localhost:evil.example', '127.0.0.1:80.evil.example', 'localhost:99999', '[::1', 'evil.example@localhost']

t.test('a Host that is no host and port is a 400, with the Host guard on', async (t) => {
  const cli = await startCli(['--port', '0'], { cwd: t.testdir({}) })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  for (const host of MALFORMED) {
    const answer = await withHost(cli.port, host)
    t.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, host)
    t.match(answer, 'is not a host name or address with an optional port.')
  }
  t.match(await withHost(cli.port, `localhost:${cli.port}`), /^HTTP\/1\.1 200 OK\r\n/)
  t.match(await withHost(cli.port, 'evil.example'), /^HTTP\/1\.1 403 Forbidden\r\n/, 'a well-formed foreign name is still the guard\'s')
  await cli.waitForErr(/Bad Request: a Host header that is no host name from 127\.0\.0\.1: "\[::1\]evil\.example"\./)
})

t.test('with hostWhitelist off, a malformed Host is still a 400 and never reaches the app', async (t) => {
  const upstream = await startUpstream(t)
  const cli = await startCli(['--port', '0', '--upstream', upstream.url], { cwd: t.testdir({}), env: { TAVERN_HOSTWHITELIST_ENABLED: 'false' } })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  for (const host of MALFORMED) t.match(await withHost(cli.port, host, '/echo'), /^HTTP\/1\.1 400 Bad Request\r\n/, host)
  t.equal(upstream.requests(), 0, 'the app saw none of them')
  t.match(await withHost(cli.port, 'anything.example', '/echo'), /^HTTP\/1\.1 200 OK\r\n/, 'a well-formed name passes with the guard off')
  t.equal(upstream.requests(), 1)
})

t.test('plain HTTP on the HTTPS port is redirected only to a host the guard allows', async (t) => {
  const dir = t.testdir({ tls: { 'server.crt': leaf.cert, 'server.key': leaf.key } })
  const cli = await startCli(['--ssl', '--certPath', 'tls/server.crt', '--keyPath', 'tls/server.key', '--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const allowed = await withHost(cli.port, `localhost:${cli.port}`, '/chat')
  t.match(allowed, /^HTTP\/1\.1 307 Temporary Redirect\r\n/)
  t.match(allowed, `\r\nLocation: https://localhost:${cli.port}/chat\r\n`)
  for (const host of ['evil.example', `evil.example:${cli.port}`, ...MALFORMED]) {
    const refused = await withHost(cli.port, host, '/chat')
    t.match(refused, /^HTTP\/1\.1 400 Bad Request\r\n/, host)
    t.notMatch(refused, /Location|evil/i, 'no redirect, and the name is not repeated')
    t.match(refused, 'This port speaks HTTPS only: use https:// instead of http:// in the address.')
  }
})

t.test('with hostWhitelist off, plain HTTP is redirected to any well-formed host, never a malformed one', async (t) => {
  const dir = t.testdir({ tls: { 'server.crt': leaf.cert, 'server.key': leaf.key } })
  const cli = await startCli(['--ssl', '--certPath', 'tls/server.crt', '--keyPath', 'tls/server.key', '--port', '0'], { cwd: dir, env: { TAVERN_HOSTWHITELIST_ENABLED: 'false' } })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.match(await withHost(cli.port, 'my-pc.example:8443', '/x'), '\r\nLocation: https://my-pc.example:8443/x\r\n')
  for (const host of MALFORMED) t.match(await withHost(cli.port, host), /^HTTP\/1\.1 400 Bad Request\r\n/, host)
})
