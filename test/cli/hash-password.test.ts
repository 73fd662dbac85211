import { Readable } from 'node:stream'
import t from 'tap'
import { parseHash, verifyHash } from '../../src/access/password-hash.js'
import { runCli } from '../../src/cli/run.js'
import { captureIo, terminal } from '../helpers/io.js'

t.test('prints a hash of the password piped on standard input', async (t) => {
  const io = captureIo(t.testdir({}))
  io.stdin = Readable.from(['correct horse:battery staple\n'])
  t.same(await runCli(['hash-password'], io), { kind: 'exit', code: 0 })
  const hash = io.out().trim()
  t.match(hash, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/)
  t.ok(await verifyHash('correct horse:battery staple', parseHash(hash)!), 'the hash verifies the password')
  t.notOk(await verifyHash('correct horse', parseHash(hash)!))
  t.match(io.err(), `basicAuthUser:\n  password: '${hash}'`)
})

t.test('asks twice on a terminal, without echo; backspace edits', async (t) => {
  const io = captureIo(t.testdir({}))
  const tty = terminal(['s3cre', 't\r', 's3cx\u007fret\r'])
  io.stdin = tty
  t.same(await runCli(['hash-password'], io), { kind: 'exit', code: 0 })
  t.ok(await verifyHash('s3cret', parseHash(io.out().trim())!))
  t.equal(io.err().startsWith('Password: \nPassword again: \n'), true, 'the password itself is never printed')
  t.same(tty.raw, [true, false, true, false])
})

t.test('two different passwords, Ctrl-C or an empty password make no hash', async (t) => {
  for (const [keys, message] of [
    [['one\r', 'two\r'], /The two passwords differ/],
    [['ab\u0003'], /Cancelled: no hash made/],
    [['\r', '\r'], /Empty password/]
  ] as const) {
    const io = captureIo(t.testdir({}))
    io.stdin = terminal([...keys])
    t.same(await runCli(['hash-password'], io), { kind: 'exit', code: 1 })
    t.match(io.err(), message)
    t.equal(io.out(), '')
  }
})

t.test('the password is never taken from the command line: a word after the command says how to give it, and is not repeated', async (t) => {
  const io = captureIo(t.testdir({}))
  io.invokedAs = 'node server.js'
  t.same(await runCli(['hash-password', 'hunter2'], io), { kind: 'exit', code: 2 })
  t.equal(io.err(), 'error: hash-password takes no arguments: it never reads the password from the command line, where it would stay in the shell history and the process list. ' +
    'Run `node server.js hash-password` and type the password when asked, or pipe it in: echo "$PASSWORD" | node server.js hash-password\n')
  t.notMatch(io.err(), /hunter2/)
  t.equal(io.out(), '')
})
