/**
 * What the console says of attempts, over the real command: every attempt shows (the first few
 * from each address, then a count), and requests that Node's parser refuses leave a trace too.
 */
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import t from 'tap'
import { startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'

/** Sends raw bytes from `localAddress` and returns everything the server answers before closing. */
function raw (port: number, localAddress: string, text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    let answer = ''
    socket.on('data', (chunk) => { answer += chunk.toString('latin1') })
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
    socket.write(text)
  })
}

t.test('one server, its whitelist widened between the tests', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })

  t.test('three refusals from one address within a minute are three console lines', async (t) => {
    for (let i = 0; i < 3; i++) t.equal((await request(`${cli.url}attempt-${i}`, { localAddress: '127.0.0.5' })).status, 403)
    await cli.waitForErr(/(?:Forbidden: Connection attempt from 127\.0\.0\.5\.[^\n]*\n){3}/)
  })

  t.test("requests Node's parser refuses are answered, logged for fail2ban, and said on the console", async (t) => {
    writeFileSync(join(dir, 'config.yaml'), 'whitelist:\n  - 127.0.0.0/8\n')
    await cli.waitFor(/whitelist reloaded: 1 entry from the whitelist key in /)
    t.match(await raw(cli.port, '127.0.0.11', 'HELLO / HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\n\r\nBad Request: the request could not be read as HTTP\.\n$/)
    t.match(await raw(cli.port, '127.0.0.12', `GET /big HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/)
    t.match(await raw(cli.port, '127.0.0.13', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'), /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*this server is not a proxy/)
    // A browser sent to https:// on this plain-HTTP port: a TLS ClientHello.
    const hello = tlsConnect({ socket: connect({ port: cli.port, host: '127.0.0.1', localAddress: '127.0.0.14' }), servername: 'localhost', rejectUnauthorized: false })
    await t.rejects(once(hello, 'secureConnect'), /socket disconnected|ECONNRESET/)
    await cli.waitForErr(/127\.0\.0\.14 tried HTTPS \(an https:\/\/ address\) on this plain-HTTP port\. Use http:\/\/ in the address, or start the server with --ssl/)
    // A client that sends garbage and goes at once: nothing breaks.
    const gone = connect({ port: cli.port, host: '127.0.0.1', localAddress: '127.0.0.15' })
    gone.on('error', () => {})
    gone.end('\u0000\u0001\u0002 garbage\r\n\r\n')
    gone.destroy()
    t.equal((await request(`${cli.url}healthz`)).status, 200, 'still serving')
    await cli.waitForErr(/Refused a malformed request from 127\.0\.0\.11 \(400, HPE_INVALID_METHOD\)\./)
    t.match(cli.err(), 'Refused a request from 127.0.0.12: its headers are over 16 KB (431).')
    t.match(cli.err(), 'Refused a CONNECT request from 127.0.0.13 for example.com:443: this server is not a proxy (405).')
    cli.child.kill('SIGTERM')
    t.equal(await cli.exited, 0)
    const log = readFileSync(join(dir, 'access.log'), 'utf8')
    t.match(log, / client=127\.0\.0\.11 forwarded_from=- user=- method=HELLO path="\/" status=400 reason=malformed ua=-\n/)
    t.match(log, / client=127\.0\.0\.12 forwarded_from=- user=- method=GET path="\/big" status=431 reason=headers-too-large ua=-\n/)
    t.match(log, / client=127\.0\.0\.13 forwarded_from=- user=- method=CONNECT path="example\.com:443" status=405 reason=connect ua=-\n/)
    t.match(log, / client=127\.0\.0\.14 forwarded_from=- user=- method=- path="" status=400 reason=tls-handshake ua=-\n/)
  })
})
