/**
 * The body of a refusal or an error answered by tavern-server itself: a short HTML page for
 * browsers (by the Accept header), the same sentence as plain text for everything else.
 */
import { STATUS_CODES } from 'node:http'
import { escapeHtml } from './home-page.js'

export interface ErrorPage {
  type: string
  body: string
}

export function errorPage (accept: string | undefined, status: number, message: string): ErrorPage {
  if ((accept ?? '').includes('text/html')) {
    return {
      type: 'text/html; charset=utf-8',
      body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status} ${STATUS_CODES[status] as string}</title></head>
<body><p>${escapeHtml(message)}</p></body></html>
`
    }
  }
  return { type: 'text/plain; charset=utf-8', body: `${message}\n` }
}
