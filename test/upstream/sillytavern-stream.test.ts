/**
 * A streamed generation through the gate: the real SillyTavern, connected to a tiny
 * OpenAI-compatible model server on loopback, behind tavern-server with a whitelist and Basic
 * auth. Each token must reach the client before the model writes the next.
 */
import { writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { once } from 'node:events'
import { dump } from 'js-yaml'
import t from 'tap'
import { startCli } from '../helpers/cli.js'
import { startFakeModel } from '../helpers/fake-model.js'
import { request } from '../helpers/http.js'
import { cookiesOf } from '../helpers/sillytavern-accounts.js'
import { startSillyTavern } from '../helpers/sillytavern.js'

const AUTH = `Basic ${Buffer.from('me:s3cret').toString('base64')}`

t.test('a streamed answer from the model arrives through the gate token by token', async (t) => {
  const dir = t.testdir({ st: {}, gate: {} })
  const [st, model] = await Promise.all([startSillyTavern(t, `${dir}/st`), startFakeModel(t)])
  writeFileSync(`${dir}/gate/config.yaml`, dump({
    whitelist: ['127.0.0.1'],
    basicAuthMode: true,
    basicAuthUser: { username: 'me', password: 's3cret' },
    app: { upstream: st.url }
  }))
  const gate = await startCli(['--port', '0'], { cwd: `${dir}/gate` })
  t.teardown(async () => { gate.child.kill(); await gate.exited })

  // What SillyTavern's page does: a CSRF token for its session, then the generation request.
  const csrf = await request(`http://127.0.0.1:${gate.port}/csrf-token`, { headers: { authorization: AUTH } })
  t.equal(csrf.status, 200)
  const cookie = cookiesOf(csrf)
  const { token } = JSON.parse(csrf.body) as { token: string }
  const body = JSON.stringify({
    chat_completion_source: 'custom',
    custom_url: model.url,
    model: 'fake',
    stream: true,
    messages: [{ role: 'user', content: 'Say three words.' }]
  })
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: gate.port,
      method: 'POST',
      path: '/api/backends/chat-completions/generate',
      headers: { authorization: AUTH, cookie, 'x-csrf-token': token, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
    }, resolve)
    req.on('error', reject)
    req.end(body)
  })
  // SillyTavern sends its headers with the first token, so the first token comes first.
  await model.asked
  model.token('Once')
  const response = await answered
  response.setEncoding('utf8')
  if (response.statusCode !== 200) {
    let error = ''
    for await (const chunk of response) error += chunk as string
    t.fail(`SillyTavern answered ${String(response.statusCode)}: ${error}\n${st.output().slice(-2000)}`)
    return
  }
  let received = ''
  response.on('data', (chunk: string) => { received += chunk })
  const arrival = async (word: string): Promise<void> => {
    while (!received.includes(`"content":"${word}"`)) await once(response, 'data')
  }
  await arrival('Once')
  t.notMatch(received, 'upon', 'the first token is through while the model has not written the second')
  model.token(' upon')
  await arrival(' upon')
  t.notMatch(received, 'a time')
  model.token(' a time', true)
  await once(response, 'end')
  t.match(received, '"content":" a time"')
  t.match(received, 'data: [DONE]')
})
