import t from 'tap'
import { BasicAuthChecker, VerifierBusy } from '../../src/access/basic-auth.js'
import { hashPassword } from '../../src/access/password-hash.js'

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

t.test('plain-text credentials, compared in full', async (t) => {
  const checker = new BasicAuthChecker({ username: 'me', password: 's3cret' }, 'config.yaml')
  t.ok(await checker.verify(checker.keyOf(header('me', 's3cret')), 'me', 's3cret'))
  t.notOk(await checker.verify(checker.keyOf(header('me', 's3cre')), 'me', 's3cre'))
  t.notOk(await checker.verify(checker.keyOf(header('you', 's3cret')), 'you', 's3cret'))
})

t.test('a hashed password is checked once, then the header is remembered', async (t) => {
  const checker = new BasicAuthChecker({ username: 'me', password: await hashPassword('s3cret', 10) }, 'config.yaml')
  const good = header('me', 's3cret')
  t.equal(checker.remembered(checker.keyOf(good)), undefined)
  t.ok(await checker.verify(checker.keyOf(good), 'me', 's3cret'))
  t.equal(checker.remembered(checker.keyOf(good)), 'me')
  t.notOk(await checker.verify(checker.keyOf(header('you', 's3cret')), 'you', 's3cret'), 'a wrong user name fails after the same hash')
  t.equal(checker.remembered(checker.keyOf(header('you', 's3cret'))), undefined)
})

t.test('changing the credentials forgets remembered logins', async (t) => {
  const checker = new BasicAuthChecker({ username: 'me', password: 'one' }, 'config.yaml')
  await checker.verify(checker.keyOf(header('me', 'one')), 'me', 'one')
  checker.update({ username: 'me', password: 'two' })
  t.equal(checker.remembered(checker.keyOf(header('me', 'one'))), undefined)
  t.notOk(await checker.verify(checker.keyOf(header('me', 'one')), 'me', 'one'))
})

t.test('empty credentials let nobody in, not even an empty login', async (t) => {
  for (const credentials of [{ username: '', password: 'x' }, { username: 'me', password: '' }]) {
    const checker = new BasicAuthChecker(credentials, 'config.yaml')
    t.ok(checker.disabled)
    t.notOk(await checker.verify(checker.keyOf(header(credentials.username, credentials.password)), credentials.username, credentials.password))
  }
})

t.test('a password that looks hashed but is not is a start-up error naming the file', async (t) => {
  t.throws(() => new BasicAuthChecker({ username: 'me', password: '$scrypt$oops' }, '/srv/config.yaml'), {
    code: 'TVS_ERR_AUTH_HASH',
    message: /^basicAuthUser\.password in \/srv\/config\.yaml starts with \$scrypt\$ but is not a hash/
  })
})

t.test('checks queue up to a bound, then say busy', async (t) => {
  const checker = new BasicAuthChecker({ username: 'me', password: await hashPassword('s3cret', 12) }, 'config.yaml', { parallel: 1, queue: 1 })
  const results = await Promise.allSettled([1, 2, 3].map((i) => checker.verify(checker.keyOf(header('me', `guess${i}`)), 'me', `guess${i}`)))
  t.same(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected'])
  t.type((results[2] as PromiseRejectedResult).reason, VerifierBusy)
  t.ok(await checker.verify(checker.keyOf(header('me', 's3cret')), 'me', 's3cret'), 'the queue drains')
})

t.test('the same credentials arriving at once are hashed once', async (t) => {
  const checker = new BasicAuthChecker({ username: 'me', password: await hashPassword('s3cret', 12) }, 'config.yaml', { parallel: 1, queue: 0 })
  const good = header('me', 's3cret')
  // With one slot and no queue, a second hash would be refused as busy: all share the first.
  const results = await Promise.all(Array.from({ length: 20 }, () => checker.verify(checker.keyOf(good), 'me', 's3cret')))
  t.same(new Set(results), new Set([true]))
  t.equal(checker.remembered(checker.keyOf(good)), 'me')
})
