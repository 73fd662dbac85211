/**
 * The built-in home page, shown when no app is configured behind the gate: who you are to the
 * server, your address as it sees it, which rule let you in, and how to put an app here. Sized
 * for a phone, the first device most people try.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { RESERVED_PREFIX } from './reserved-paths.js'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string)
}

/** The home page's one style sheet, inline (own-headers.ts allows it by its hash). */
export const HOME_STYLE = 'body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;padding:1em;max-width:40em;overflow-wrap:anywhere}' +
  'pre{background:#eee;padding:.75em;overflow-x:auto}code{font-size:.95em}h1{font-size:1.4em}' +
  'form{display:inline}button{font:inherit;min-height:48px;padding:0 1em}a{display:inline-block;min-height:48px;line-height:48px;margin-right:1em}'

/**
 * Who you are: with an account, its page (and with a login session, logging out, a form because
 * it changes something); with shared Basic credentials, the name; otherwise nobody.
 */
function whoYouAre (request: FastifyRequest): string {
  const { user, account, session } = request
  if (user === undefined) return '<p>No password needed.</p>'
  const named = `<p>You are logged in as <strong>${escapeHtml(user)}</strong>.</p>`
  if (account === undefined) return named
  const logOut = session === undefined ? '' : `<form method="post" action="${RESERVED_PREFIX}/logout"><button type="submit">Log out</button></form>`
  return `${named}\n<p><a href="${RESERVED_PREFIX}/account">Your account</a>${logOut}</p>`
}

export function homePage (request: FastifyRequest, reply: FastifyReply): void {
  const { client, admittedBy } = request
  const via = client.forwarded ? ` (through the proxy at ${escapeHtml(client.peer)})` : ''
  const rule = admittedBy === undefined
    ? 'The IP whitelist is off (whitelistMode: false).'
    : `Admitted by the whitelist entry <code>${escapeHtml(admittedBy.entry)}</code> (${escapeHtml(admittedBy.source)}).`
  reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tavern-server</title><style>${HOME_STYLE}</style></head>
<body>
<h1>tavern-server is running</h1>
${whoYouAre(request)}
<p>You are connected from <strong>${escapeHtml(client.ip)}</strong>${via}: your address as this server sees it.</p>
<p>${rule}</p>
<h2>Put your app here</h2>
<p>No app is behind the gate yet. For SillyTavern: start it on another port (<code>port: 8001</code>
in SillyTavern's own config.yaml, everything else left as it is), and add to tavern-server's config.yaml:</p>
<pre>app:
  upstream: http://127.0.0.1:8001</pre>
<p>Then restart tavern-server. For a folder of web pages, use <code>root: /path/to/folder</code> instead of
<code>upstream</code>.</p>
</body>
</html>
`)
}
