import t from 'tap'
import { describeUser } from '../../src/cli/user.js'

t.test('names the user the server runs as', async (t) => {
  t.equal(describeUser(() => ({ username: 'nobody', uid: 65534 }), 65534), 'nobody (uid 65534)')
  t.equal(describeUser(() => ({ username: 'Me', uid: -1 }), undefined), 'Me', 'Windows has no uid')
  t.equal(describeUser(() => { throw new Error('uv_os_get_passwd returned ENOENT') }, 54321), 'uid 54321', 'a uid with no account (containers)')
})
