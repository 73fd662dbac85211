/**
 * The built-in home page, shown when no app is configured behind the gate.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string)
}

export function homePage (request: FastifyRequest, reply: FastifyReply): void {
  reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tavern-server</title></head>
<body>
<h1>tavern-server is running</h1>
<p>You are connected from <strong>${escapeHtml(request.ip)}</strong>.</p>
<p>No app is configured yet: set <code>app.root</code> or <code>app.upstream</code> in config.yaml.</p>
</body>
</html>
`)
}
