import t from 'tap'
import { createConsoleLogger } from '../../src/log/console.js'

t.test('prints plain lines: info to stdout, warnings and errors to stderr', async (t) => {
  let out = ''
  let err = ''
  const logger = createConsoleLogger('info', { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } } })
  logger.debug('hidden')
  logger.info('New connection from 192.168.1.5')
  logger.warn('Forbidden: Connection attempt from 10.0.0.5')
  logger.error({ err: new Error('boom') }, 'Request failed')
  t.equal(out, 'New connection from 192.168.1.5\n')
  t.equal(err, 'Forbidden: Connection attempt from 10.0.0.5\nRequest failed: boom\n')
})

t.test('redacts credentials in the records themselves', async (t) => {
  const records: Array<Record<string, unknown>> = []
  const silent = { write: () => true }
  const logger = createConsoleLogger('info', { stdout: silent, stderr: silent }, { write: (json: string) => { records.push(JSON.parse(json)) } })
  logger.info({ headers: { authorization: 'Basic dTpw' }, password: 'hunter2' }, 'login')
  t.same(records, [{ level: 30, headers: { authorization: '[Redacted]' }, password: '[Redacted]', msg: 'login' }])
})

t.test('an error logged on its own prints its message once', async (t) => {
  let err = ''
  const logger = createConsoleLogger('info', { stdout: { write: () => true }, stderr: { write: (s: string) => { err += s } } })
  logger.error(new Error('disk full'))
  logger.warn({ detail: 1 })
  t.equal(err, 'disk full\n\n')
})
