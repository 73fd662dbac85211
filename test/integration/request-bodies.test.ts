/**
 * Bodies of refused requests, over raw sockets to the real CLI with an app behind it: a refused
 * client is never invited to send its body (`Expect: 100-continue`), its connection is closed
 * instead of the body being read, and the app never sees any of it.
 */
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import t from 'tap'
import { startCli } from '../helpers/cli.js'
import { startUpstream } from '../helpers/upstream.js'

const HUNDRED_MB = 100 * 1024 * 1024

/** A raw connection from `localAddress`, collecting what the server says. */
function open (port: number, localAddress: string): { socket: Socket, answer: () => string, next: () => Promise<string>, closed: Promise<void> } {
  const socket = connect({ port, host: '127.0.0.1', localAddress })
  let answer = ''
  let waiting: ((text: string) => void) | undefined
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1')
    waiting?.(answer)
    waiting = undefined
  })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { socket, answer: () => answer, next: () => new Promise((resolve) => { waiting = resolve }), closed }
}

/** Writes body bytes until `total` are out or the server closes; resolves with the bytes written. */
async function pump (socket: Socket, total: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 0x61)
  let written = 0
  while (written < total && !socket.destroyed && socket.writable) {
    written += chunk.length
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => { socket.off('drain', done); socket.off('close', done); resolve() }
        socket.once('drain', done)
        socket.once('close', done)
      })
    }
  }
  return written
}

t.test('one server with an app behind it', async (t) => {
  const upstream = await startUpstream(t)
  const cli = await startCli(['--port', '0', '--upstream', upstream.url], { cwd: t.testdir({}) })
  t.teardown(async () => { cli.child.kill(); await cli.exited })

  t.test('a refused request with a 100 MB body is answered and its connection closed: the body is not read', async (t) => {
    const client = open(cli.port, '127.0.0.2')
    client.socket.write(`POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: ${HUNDRED_MB}\r\n\r\n`)
    const written = await pump(client.socket, HUNDRED_MB)
    // All of it went out: the server read it, and would keep the connection for the next request.
    if (written >= HUNDRED_MB) client.socket.destroy()
    await client.closed
    t.match(client.answer(), /^HTTP\/1\.1 403 Forbidden\r\n/)
    t.match(client.answer(), /\r\nconnection: close\r\n/i)
    t.ok(written < 32 * 1024 * 1024, `the server stopped reading: ${written} of ${HUNDRED_MB} bytes went out before it closed`)
    const chunked = open(cli.port, '127.0.0.2')
    chunked.socket.write('POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n')
    await chunked.closed
    t.match(chunked.answer(), /^HTTP\/1\.1 403 Forbidden\r\n(?:[^]*\r\n)?connection: close\r\n/i, 'a body of unknown length too')
    t.equal(upstream.connections(), 0, 'the app never saw a connection')
  })

  t.test('Expect: 100-continue: a refused client gets its refusal instead of 100 Continue; an admitted one is invited and its body reaches the app', async (t) => {
    const head = 'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n'

    const refused = open(cli.port, '127.0.0.2')
    refused.socket.write(head)
    t.match(await refused.next(), /^HTTP\/1\.1 403 Forbidden\r\n/, 'the first thing said is the refusal')
    refused.socket.end()
    await refused.closed
    t.notMatch(refused.answer(), /100 Continue/)

    const admitted = open(cli.port, '127.0.0.1')
    admitted.socket.write(head)
    t.equal(await admitted.next(), 'HTTP/1.1 100 Continue\r\n\r\n')
    const answered = admitted.next()
    admitted.socket.write('hello')
    t.match(await answered, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/)
    admitted.socket.end()
    await admitted.closed
    t.match(admitted.answer(), /"bodyBytes":5/)
    t.equal(upstream.requests(), 1, 'only the admitted request reached the app')
  })

  t.test('a refused request without a body keeps its connection for the next request', async (t) => {
    const client = open(cli.port, '127.0.0.1')
    client.socket.write('GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n')
    t.match(await client.next(), /^HTTP\/1\.1 403 Forbidden\r\n[^]*Connection: keep-alive\r\n/)
    const empty = client.next()
    client.socket.write('POST / HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 0\r\n\r\n')
    t.match(await empty, /^HTTP\/1\.1 403 Forbidden\r\n[^]*Connection: keep-alive\r\n/, 'an empty body is no body')
    const second = client.next()
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    t.match(await second, /HTTP\/1\.1 200 OK\r\n/)
    await client.closed
  })
})
