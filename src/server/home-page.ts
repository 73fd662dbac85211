/**
 * The built-in home page, shown when no app is configured behind the gate: who you are to the
 * server and which rule let you in.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string)
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
<title>tavern-server</title></head>
<body>
<h1>tavern-server is running</h1>
<p>You are connected from <strong>${escapeHtml(client.ip)}</strong>${via}.</p>
<p>${rule}</p>
<p>No app is configured yet: set <code>app.root</code> or <code>app.upstream</code> in config.yaml.</p>
</body>
</html>
`)
}
