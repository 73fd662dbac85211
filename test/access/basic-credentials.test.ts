import t from 'tap'
import { parseBasic } from '../../src/access/basic-credentials.js'

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

t.test('reads credentials, and tells missing from malformed', async (t) => {
  const table: Array<[string, string | undefined, ReturnType<typeof parseBasic>]> = [
    ['absent', undefined, { kind: 'missing' }],
    ['empty', '', { kind: 'missing' }],
    ['blank', '   ', { kind: 'missing' }],
    ['plain', `Basic ${b64('me:s3cret')}`, { kind: 'ok', user: 'me', password: 's3cret' }],
    ['scheme in any case', `bAsIc ${b64('me:s3cret')}`, { kind: 'ok', user: 'me', password: 's3cret' }],
    ['extra spaces', `Basic   ${b64('me:s3cret')}  `, { kind: 'ok', user: 'me', password: 's3cret' }],
    ['colons in the password', `Basic ${b64('me:a:b:c')}`, { kind: 'ok', user: 'me', password: 'a:b:c' }],
    ['UTF-8', `Basic ${b64('Zoë:pässwörd✓')}`, { kind: 'ok', user: 'Zoë', password: 'pässwörd✓' }],
    ['empty password', `Basic ${b64('me:')}`, { kind: 'ok', user: 'me', password: '' }],
    ['empty both', `Basic ${b64(':')}`, { kind: 'ok', user: '', password: '' }],
    ['another scheme', 'Bearer abc.def', { kind: 'other-scheme' }],
    ['no space', `Basic${b64('me:x')}`, { kind: 'malformed' }],
    ['scheme only', 'Basic', { kind: 'malformed' }],
    ['bad base64', 'Basic !!!!', { kind: 'malformed' }],
    ['bad padding', 'Basic bWU6eA=', { kind: 'malformed' }],
    ['two tokens', `Basic ${b64('me:x')} ${b64('me:x')}`, { kind: 'malformed' }],
    ['no colon', `Basic ${b64('mex')}`, { kind: 'malformed' }],
    ['invalid UTF-8', `Basic ${Buffer.from([0x6d, 0x3a, 0xff, 0xfe]).toString('base64')}`, { kind: 'malformed' }],
    ['control character', `Basic ${b64('me:x\ny')}`, { kind: 'malformed' }],
    ['huge', `Basic ${'A'.repeat(5000)}`, { kind: 'malformed' }],
    ['binary', 'Basic \u00ff\u00fe\u0001', { kind: 'malformed' }]
  ]
  for (const [name, header, expected] of table) t.same(parseBasic(header), expected, name)
})

t.test('never throws, whatever bytes arrive (property)', async (t) => {
  const fc = await import('fast-check')
  const header = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('latin1')}`),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
    fc.string().map((s) => `basic ${s}`)
  )
  fc.assert(fc.property(header, (value) => {
    const result = parseBasic(value)
    return ['missing', 'malformed', 'other-scheme', 'ok'].includes(result.kind) &&
      (result.kind !== 'ok' || (typeof result.user === 'string' && !result.user.includes(':')))
  }), { numRuns: 2000 })
  t.pass('every input gives an answer')
})
