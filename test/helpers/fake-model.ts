/**
 * A tiny OpenAI-compatible model server on loopback: `POST /v1/chat/completions` with
 * `stream: true` answers an event stream whose chunks the test releases one by one, so it can see
 * each arrive before the next is written.
 */
import { createServer } from 'node:http'
import type { ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeModel {
  /** The base URL SillyTavern is given (`custom_url`): http://127.0.0.1:PORT/v1 */
  url: string
  /** Resolves when a streamed completion has been asked for. */
  asked: Promise<void>
  /** Writes one token as a chunk of the open stream; `last` also writes [DONE] and ends it. */
  token: (text: string, last?: boolean) => void
}

export async function startFakeModel (t: { teardown: (fn: () => unknown) => void }): Promise<FakeModel> {
  let open: ServerResponse | undefined
  let asked!: () => void
  const askedPromise = new Promise<void>((resolve) => { asked = resolve })
  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
    request.on('end', () => {
      if (request.url !== '/v1/chat/completions' || (JSON.parse(body) as { stream?: boolean }).stream !== true) {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      response.flushHeaders()
      open = response
      asked()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections() }))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    asked: askedPromise,
    token (text, last = false) {
      const chunk = { id: 'fake', object: 'chat.completion.chunk', model: 'fake', choices: [{ index: 0, delta: { content: text }, finish_reason: last ? 'stop' : null }] }
      open?.write(`data: ${JSON.stringify(chunk)}\n\n`)
      if (last) open?.end('data: [DONE]\n\n')
    }
  }
}
