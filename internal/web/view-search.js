// view-search.js: the start view and the catalogue's Swedish full-text search.
import { html, href, whenLoaded } from './ui.js';
import { load } from './api.js';

const PAGE_SIZE = 20;

const kinds = [
  ['method', 'Metoder'],
  ['intervention_type', 'Insatstyper'],
  ['assessment_instrument', 'Bedömningsmetoder'],
  ['material', 'Stödmaterial'],
];

function SearchForm({ query, navigate }) {
  const submit = (event) => {
    event.preventDefault();
    const q = new FormData(event.target).get('q').trim();
    navigate({ vy: 'sok', q });
  };
  return html`<form class="search-form" role="search" action="" method="get" onSubmit=${submit}>
    <input type="hidden" name="vy" value="sok" />
    <label for="sok-q">Sök bland metoder, insatstyper, bedömningsmetoder och stödmaterial</label>
    <div class="search-row">
      <input id="sok-q" name="q" type="search" defaultValue=${query || ''} maxlength="200" autocomplete="off"
        placeholder="till exempel familj eller KBT" />
      <button type="submit">Sök</button>
    </div>
  </form>`;
}

export function StartView({ navigate, available }) {
  return html`<h1>Insatskatalogen</h1>
    <p class="lead">Socialstyrelsens kunskapsstöd om insatser för barn 6–17 år med normbrytande beteende, metoderna som
      exemplifierar insatserna, vem som kan utföra dem och var, och avtalssamverkan mellan kommuner.</p>
    <${SearchForm} navigate=${navigate} />
    <ul class="cards">
      <li><a href=${href({ vy: 'kunskapsstod' })}><strong>Kunskapsstödet</strong>
        <span>Rekommendationerna per åldersgrupp, insatstyperna, exempelmetoderna och bedömningsmetoderna.</span></a></li>
      ${available.guidance && html`<li><a href=${href({ vy: 'vagledning' })}><strong>Vägledning</strong>
        <span>Vilka insatser kunskapsstödet rekommenderar för en viss ålder, risknivå och behov.</span></a></li>`}
      <li><a href=${href({ vy: 'lan' })}><strong>Länets täckning</strong>
        <span>Karta och tabell: kan kommunerna i ett län erbjuda en rekommenderad insats, och hur?</span></a></li>
      <li><a href="/docs"><strong>API-dokumentation</strong>
        <span>Allt på sidan kommer från tjänstens öppna JSON-API.</span></a></li>
    </ul>`;
}

function resultLink(item) {
  if (item.kind === 'method') return href({ vy: 'metod', metod: item.slug });
  if (item.kind === 'intervention_type') return href({ vy: 'kunskapsstod' }) + `#typ-${item.slug}`;
  if (item.kind === 'assessment_instrument') return href({ vy: 'kunskapsstod' }) + '#bedomningsmetoder';
  return null;
}

function Results({ result, query, page }) {
  if (result.total === 0)
    return html`<p role="status">Inga träffar för ”${query}”. Pröva ett annat eller kortare ord.</p>`;
  const first = result.offset + 1;
  const last = result.offset + result.items.length;
  return html`<p role="status">${result.total} ${result.total === 1 ? 'träff' : 'träffar'} för ”${query}”${
    result.total > result.items.length ? ` (visar ${first}–${last})` : ''}.</p>
    ${kinds.concat([[null, 'Övrigt']]).map(([kind, label]) => {
      const items = result.items.filter((i) => (kind ? i.kind === kind : !kinds.some(([k]) => k === i.kind)));
      if (items.length === 0) return null;
      return html`<section class="result-group" aria-labelledby=${`grupp-${kind || 'ovrigt'}`}>
        <h2 id=${`grupp-${kind || 'ovrigt'}`}>${label} <span class="count">(${items.length})</span></h2>
        <ul class="results">${items.map((item) => {
          const link = resultLink(item);
          return html`<li>
            <h3>${link ? html`<a href=${link}>${item.title}</a>` : item.title}</h3>
            ${item.summary && html`<p>${item.summary}</p>`}
          </li>`;
        })}</ul>
      </section>`;
    })}
    ${(page > 1 || result.next) && html`<nav class="pager" aria-label="Sidor med träffar">
      ${page > 1 && html`<a href=${href({ vy: 'sok', q: query, sida: page - 1 })}>Föregående sida</a>`}
      ${result.next && html`<a href=${href({ vy: 'sok', q: query, sida: page + 1 })}>Nästa sida</a>`}
    </nav>`}`;
}

export function SearchView({ route, navigate }) {
  const query = (route.q || '').trim();
  const page = Math.max(1, parseInt(route.sida, 10) || 1);
  const url = `/v1/search?${new URLSearchParams({ q: query, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })}`;
  return html`<h1>${query ? `Sök: ${query}` : 'Sök'}</h1>
    <${SearchForm} query=${query} navigate=${navigate} />
    ${query && whenLoaded([load(url)], 'sökträffarna', (result) => html`<${Results} result=${result} query=${query} page=${page} />`)}`;
}
