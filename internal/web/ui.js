// ui.js: what every view shares: htm bound to Preact, loading and error
// states, number formats and the small pieces of markup used everywhere.
import { h } from './vendor/preact.module.js';
import htm from './vendor/htm.module.js';
import { problemText } from './api.js';

export const html = htm.bind(h);

const numberFormat = new Intl.NumberFormat('sv-SE');

/* "98 000 kr", or a dash when unknown. */
export function kronor(value) {
  return value == null ? '–' : `${numberFormat.format(value)} kr`;
}

export function number(value, unit = '') {
  return value == null ? '–' : `${numberFormat.format(value)}${unit ? ` ${unit}` : ''}`;
}

export function ageRange(min, max) {
  if (min == null && max == null) return 'alla åldrar';
  if (max == null) return `från ${min} år`;
  if (min == null) return `upp till ${max} år`;
  return `${min}–${max} år`;
}

/* A link within the page: a query string such as "?vy=metod&metod=fft". */
export function href(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value != null && value !== '') query.set(key, value);
  return `?${query.toString()}`;
}

export function Loading({ what }) {
  return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Hämtar ${what} …</p>`;
}

/* A failed request in words: what went wrong in Swedish, and the server's own detail. */
export function ErrorBox({ error, what }) {
  const text = problemText(error);
  return html`<div class="error" role="alert">
    <p><strong>${what ? `Det gick inte att hämta ${what}.` : 'Något gick fel.'}</strong> ${text.summary}</p>
    ${text.fields.length > 0 && html`<ul>${text.fields.map((f) => html`<li>${f}</li>`)}</ul>`}
    ${text.detail && html`<p class="detail">Tjänstens förklaring (på engelska): ${text.detail}</p>`}
  </div>`;
}

/*
 * Renders entries (from api.js load()) once all have loaded: the loading
 * state while any is on its way, the first error if one failed.
 */
export function whenLoaded(entries, what, render) {
  const failed = entries.find((e) => e.state === 'error');
  if (failed) return html`<${ErrorBox} error=${failed.error} what=${what} />`;
  if (entries.some((e) => e.state !== 'ok')) return html`<${Loading} what=${what} />`;
  return render(...entries.map((e) => e.data));
}

/* A table that scrolls sideways on a narrow screen, reachable by keyboard. */
export function ScrollTable({ label, children }) {
  return html`<div class="table-scroll" role="region" aria-label=${label} tabindex="0">${children}</div>`;
}

export function StrengthBadge({ strength }) {
  const kind = strength === 'bör inte' ? 'warning' : strength === 'bör' ? 'strong' : 'weak';
  return html`<span class=${`badge badge-${kind}`}>${strength}</span>`;
}
