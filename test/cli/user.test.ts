import t from 'tap'
import { describeUser, userNameOf } from '../../src/cli/user.js'

t.test('names the user the server runs as', async (t) => {
  t.equal(describeUser(() => ({ username: 'nobody', uid: 65534 }), 65534), 'nobody (uid 65534)')
  t.equal(describeUser(() => ({ username: 'Me', uid: -1 }), undefined), 'Me', 'Windows has no uid')
  t.equal(describeUser(() => { throw new Error('uv_os_get_passwd returned ENOENT') }, 54321), 'uid 54321', 'a uid with no account (containers)')
})

t.test('a user id is named from the password file, when it is there', async (t) => {
  const dir = t.testdir({ passwd: 'root:x:0:0:root:/root:/bin/sh\n\nbroken\n:x:7:7::/:/bin/sh\ntavern:x:998:998::/var/lib/tavern:/usr/sbin/nologin\n' })
  t.equal(userNameOf(998, `${dir}/passwd`), 'tavern')
  t.equal(userNameOf(0, `${dir}/passwd`), 'root')
  t.equal(userNameOf(7, `${dir}/passwd`), undefined, 'an entry without a name')
  t.equal(userNameOf(12345, `${dir}/passwd`), undefined)
  t.equal(userNameOf(0, `${dir}/no-such-file`), undefined)
})
