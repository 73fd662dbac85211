import t from 'tap'
import * as catalogue from '../src/errors.js'

const entries = Object.entries(catalogue).filter(([name]) => name.startsWith('TVS_ERR_'))

t.test('every code reads TVS_ERR_<AREA>_<WHAT> and matches its export name', async (t) => {
  t.ok(entries.length > 10)
  for (const [name, ErrorClass] of entries) {
    t.match(name, /^TVS_ERR_[A-Z]+_[A-Z_]+$/, name)
    const error = new (ErrorClass as new (...args: unknown[]) => Error & { code: string })('a', 'b', 'c', 'd')
    t.equal(error.code, name)
    t.ok(catalogue.isTavernError(error), `${name} is recognised as ours`)
  }
})

t.test('errors carry their cause', async (t) => {
  const cause = new Error('EADDRINUSE')
  const error = new catalogue.TVS_ERR_LISTEN_PORT_IN_USE(8000, { cause })
  t.equal(error.cause, cause)
  t.equal(error.message, 'Port 8000 is already in use (another tavern-server may be running). Stop it or choose another port with --port.')
})

t.test('other errors are not mistaken for ours', async (t) => {
  t.notOk(catalogue.isTavernError(new Error('x')))
  t.notOk(catalogue.isTavernError(Object.assign(new Error('x'), { code: 'ENOENT' })))
  t.notOk(catalogue.isTavernError('TVS_ERR_CONFIG_YAML'))
})
