/**
 * The frame of tavern-server's own pages: plain server-rendered HTML with one inline style sheet,
 * no scripts and no external assets, readable on a phone (viewport, 16 px text so iOS does not
 * zoom into fields, tap targets of at least 48 px). The Content-Security-Policy allows that one
 * style sheet (by its hash) and nothing else.
 */
import { createHash } from 'node:crypto'
import { escapeHtml } from './home-page.js'

/** Markup that is already safe; everything else put into `html` is escaped. */
export class Html {
  constructor (readonly text: string) {}
  toString (): string {
    return this.text
  }
}

type Part = Html | string | number | undefined | false | readonly Part[]

function render (value: Part): string {
  if (value === undefined || value === false) return ''
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * A template of markup whose values are escaped (arrays joined, Html kept, undefined/false empty).
 * @example html`<p>${name}</p>` // name's < and & escaped
 */
export function html (strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let out = strings[0] as string
  values.forEach((value, i) => { out += render(value) + (strings[i + 1] as string) })
  return new Html(out)
}

const STYLE = `:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#f6f6f8;--card:#fff;--line:#d5d5dc;--accent:#5b3cc4;--bad:#b3261e;--good:#1e6b35}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6ea;--bg:#16161a;--card:#212127;--line:#3a3a44;--accent:#b3a6f5;--bad:#ff8a80;--good:#7bd88f}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem;margin:0 0 1rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=text],input[type=password]{width:100%;font-size:16px;min-height:48px;padding:.5rem .75rem;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--fg)}
button,a.button{display:inline-flex;align-items:center;justify-content:center;font-size:16px;min-height:48px;min-width:48px;padding:.5rem 1rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:#fff;text-decoration:none;cursor:pointer}
@media (prefers-color-scheme:dark){button,a.button{color:#16161a}}
button.plain{background:transparent;color:var(--accent)}
button.danger{background:var(--bad);border-color:var(--bad)}
.wide{width:100%;margin-top:1rem}
label.check{display:flex;align-items:center;gap:.75rem;min-height:48px;font-weight:400}
label.check input{width:24px;height:24px;margin:0}
.msg{padding:.75rem 1rem;border-radius:8px;margin:0 0 1rem;border:1px solid;background:var(--card)}
.error{color:var(--bad);border-color:var(--bad)}
.ok{color:var(--good);border-color:var(--good)}
ul.list{list-style:none;padding:0;margin:0}
ul.list>li{border-top:1px solid var(--line);padding:.75rem 0}
ul.list>li:first-child{border-top:0;padding-top:0}
ul.pick{list-style:none;padding:0;margin:0 0 .5rem}
ul.pick a{display:flex;align-items:center;min-height:48px;padding:.5rem .75rem;border:1px solid var(--line);border-radius:8px;margin:.5rem 0;color:var(--fg);text-decoration:none}
.row{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.5rem}
.row form{margin:0}
.muted{opacity:.75;font-size:.9rem}
.tag{display:inline-block;font-size:.8rem;border:1px solid var(--line);border-radius:999px;padding:0 .5rem;margin-left:.25rem}
nav{display:flex;flex-wrap:wrap;gap:0 1.25rem;margin:0 0 .5rem}
nav a{color:var(--accent);min-height:48px;display:inline-flex;align-items:center}
details summary{min-height:48px;display:flex;align-items:center;cursor:pointer;color:var(--accent)}
code{font-size:.9em;overflow-wrap:anywhere}`

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64')

/** Headers of every answer under our prefix: no framing, no caching, no scripts, no sniffing. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store'
}

/** A whole page. */
export function page (title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title} · tavern-server</title>
<style>${new Html(STYLE)}</style></head>
<body><main>
${body}
</main></body>
</html>
`.text
}

/** A message box: an error, or a confirmation. */
export function message (kind: 'error' | 'ok', text: string | undefined): Html | undefined {
  return text === undefined ? undefined : html`<p class="msg ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`
}
