// view-coverage.js: Länets täckning. For a county and an intervention type,
// a map of the municipalities coloured by their best route (own delivery,
// agreement, provider, none), with a legend, and the same as a table; a
// chosen municipality shows its coverage and, where the API has them, its
// nearest partners.
import { html, href, whenLoaded, kronor, number, Loading, ScrollTable } from './ui.js';
import { load } from './api.js';
import { shapes, WIDTH, HEIGHT } from './map.js';

export const routes = [
  { kind: 'egen regi', key: 'egen-regi', label: 'Egen regi' },
  { kind: 'avtalssamverkan', key: 'avtalssamverkan', label: 'Avtalssamverkan' },
  { kind: 'utförare', key: 'utforare', label: 'Utförare' },
  { kind: null, key: 'ingen', label: 'Ingen väg' },
];

/* The colour class of a cell: its best route's kind when the type is covered, else none. */
export function routeKey(covered, kind) {
  if (!covered) return 'ingen';
  return (routes.find((r) => r.kind === kind) || routes[3]).key;
}

function routeLabel(key) {
  return routes.find((r) => r.key === key).label;
}

function through(route) {
  if (!route) return '–';
  if (route.provider) return route.provider.name;
  if (route.agreement) return route.agreement.title || `avtal ${route.agreement.id}`;
  return '–';
}

function Legend() {
  return html`<ul class="legend" aria-label="Teckenförklaring">
    ${routes.map((r) => html`<li data-route=${r.key}>
      <svg class="swatch" width="18" height="18" aria-hidden="true" focusable="false"><rect class=${`route-${r.key}`} width="18" height="18" /></svg>
      ${r.label}</li>`)}
  </ul>`;
}

function CountyMap({ features, source, cellOf, county, selected, choose }) {
  const paths = shapes(`${source}:${county.code}`, features);
  return html`<figure class="map">
    <svg class="karta" viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} aria-hidden="true" focusable="false">
      ${paths.map((p) => {
        const cell = cellOf(p.code);
        const key = routeKey(cell.covered, cell.kind);
        return html`<path d=${p.d} data-code=${p.code} data-route=${key}
          class=${`route-${key}${selected === p.code ? ' selected' : ''}`}
          onClick=${() => choose(p.code)}><title>${cell.name}: ${routeLabel(key)}</title></path>`;
      })}
    </svg>
    <figcaption>Kommunerna i ${county.name} efter bästa väg till insatsen. Samma uppgifter finns i tabellen.</figcaption>
  </figure>`;
}

function CoverageTable({ coverage, type, selected, choose, methodName }) {
  return html`<${ScrollTable} label="Täckning per kommun">
    <table class="coverage-table">
      <caption>${type.name_sv}: bästa väg per kommun i ${coverage.county.name} den ${coverage.on}</caption>
      <thead><tr><th scope="col">Kommun</th><th scope="col">Bästa väg</th><th scope="col">Status</th>
        <th scope="col" class="num">Ledtid</th><th scope="col" class="num">Kostnad per ärende</th>
        <th scope="col">Metod</th><th scope="col">Genom</th></tr></thead>
      <tbody>${coverage.rows.map((row) => {
        const cell = row.cells[type.slug] || { covered: false, best_route: null };
        const r = cell.best_route;
        const key = routeKey(cell.covered, r?.kind);
        return html`<tr class=${selected === row.municipality.code ? 'selected' : ''} data-code=${row.municipality.code}>
          <th scope="row"><button type="button" class="link-button" aria-pressed=${selected === row.municipality.code ? 'true' : 'false'}
            onClick=${() => choose(row.municipality.code)}>${row.municipality.name}</button></th>
          <td><svg class="swatch" width="12" height="12" aria-hidden="true" focusable="false"><rect class=${`route-${key}`} width="12" height="12" /></svg>
            ${routeLabel(key)}</td>
          <td>${r ? r.status : 'saknas'}</td>
          <td class="num">${r ? number(r.lead_time_weeks, 'v.') : '–'}</td>
          <td class="num">${r ? kronor(r.cost_per_case_sek) : '–'}</td>
          <td>${r?.method ? html`<a href=${href({ vy: 'metod', metod: r.method, lan: coverage.county.code })}>${methodName(r.method)}</a>` : '–'}</td>
          <td>${through(r)}</td>
        </tr>`;
      })}</tbody>
    </table>
  <//>`;
}

function Partners({ code, type }) {
  const url = `/v1/municipalities/${code}/partners?${new URLSearchParams({ intervention_type: type.slug })}`;
  return html`<h3>Närmaste möjliga samarbetspartner</h3>
    ${whenLoaded([load(url)], 'samarbetspartnerna', (answer) => answer.partners.length === 0
      ? html`<p>Inga kommuner i närheten kan utföra eller beställa ${type.name_sv.toLowerCase()} tillsammans med kommunen.</p>`
      : html`<ul class="partners">${answer.partners.slice(0, 8).map((p) => html`<li>
          <strong>${p.municipality.name}</strong> (${p.neighbour ? 'grannkommun, ' : ''}${number(p.distance_km, 'km')}): ${p.partner_kind === 'utförare' ? 'kan utföra insatsen' : 'saknar den också och kan beställa tillsammans'}${
            p.route ? ` – i dag genom ${routeLabel(routeKey(true, p.route.kind)).toLowerCase()}` : ''}${
            p.cost_estimate ? `; ett gemensamt avtal kostar ungefär ${kronor(p.cost_estimate.running_year_total_sek)} per år` : ''}.
        </li>`)}</ul>`)}`;
}

function MunicipalityDetail({ row, coverage, type, available, methodName }) {
  const cells = coverage.intervention_types.map((t) => ({ type: t, cell: row.cells[t.slug] || { covered: false, best_route: null } }));
  return html`<section class="detail" aria-labelledby="kommun-rubrik">
    <h2 id="kommun-rubrik">${row.municipality.name}</h2>
    <p>Täcker ${row.covered} av ${coverage.intervention_types.length} rekommenderade insatstyper.</p>
    <ul class="cell-list">${cells.map(({ type: t, cell }) => {
      const r = cell.best_route;
      return html`<li class=${t.slug === type.slug ? 'current' : ''}><strong>${t.name_sv}</strong> (${t.strength}): ${cell.covered
          ? `${routeLabel(routeKey(true, r.kind)).toLowerCase()}, ${r.status}${r.method ? `, metod ${methodName(r.method)}` : ''}${
              r.provider || r.agreement ? `, genom ${through(r)}` : ''}`
          : r ? `inte täckt (${r.status})` : 'ingen väg'}</li>`;
    })}</ul>
    ${available.partners && html`<${Partners} code=${row.municipality.code} type=${type} />`}
  </section>`;
}

function Choices({ counties, county, types, type, route, navigate }) {
  const change = (patch) => navigate({ ...route, vy: 'lan', ...patch }, { focus: null });
  return html`<form class="choices" onSubmit=${(e) => e.preventDefault()}>
    <div class="field"><label for="lan-val">Län</label>
      <select id="lan-val" onChange=${(e) => change({ lan: e.target.value, kommun: null })}>
        <option value="" selected=${!county}>Välj län</option>
        ${counties.items.map((c) => html`<option value=${c.code} selected=${county?.code === c.code}>${c.name}</option>`)}
      </select></div>
    ${types && html`<div class="field"><label for="typ-val">Insatstyp</label>
      <select id="typ-val" onChange=${(e) => change({ typ: e.target.value })}>
        ${types.map((t) => html`<option value=${t.slug} selected=${type?.slug === t.slug}>${t.name_sv} (${t.strength})</option>`)}
      </select></div>`}
  </form>`;
}

function borders(county, available) {
  if (!available.known) return { state: 'loading' };
  if (available.maps) {
    const entry = load(`/v1/maps/municipalities?county=${county}`, { accept: 'application/geo+json' });
    if (entry.state !== 'ok') return entry;
    return { state: 'ok', source: 'api', features: entry.data.features };
  }
  const entry = load('/app/kommuner.geojson', { accept: 'application/geo+json' });
  if (entry.state !== 'ok') return entry;
  return { state: 'ok', source: 'file', features: entry.data.features.filter((f) => f.properties.code.startsWith(county)) };
}

export function CoverageView({ route, navigate, available }) {
  const counties = load('/v1/counties?limit=200');
  const methods = load('/v1/methods?limit=200');
  const code = route.lan;
  const coverage = code ? load(`/v1/counties/${encodeURIComponent(code)}/coverage`) : null;
  return html`<h1>Länets täckning</h1>
    <p>Kan kommunerna i länet erbjuda de insatser kunskapsstödet rekommenderar, och i så fall hur: i egen regi, genom
      avtalssamverkan med en annan kommun eller genom en utförare?</p>
    ${whenLoaded([counties, methods, ...(coverage ? [coverage] : [])], code ? 'länets täckning' : 'länen', (list, methodList, cov) => {
      const names = new Map(methodList.items.map((m) => [m.slug, m.abbreviation || m.name_sv]));
      const methodName = (slug) => names.get(slug) || slug;
      const county = cov?.county;
      const type = cov && (cov.intervention_types.find((t) => t.slug === route.typ) || cov.intervention_types[0]);
      const choices = html`<${Choices} counties=${list} county=${county} types=${cov?.intervention_types} type=${type}
        route=${route} navigate=${navigate} />`;
      if (!cov) return html`${choices}<p>Välj ett län för att se dess karta och tabell.</p>`;
      const choose = (kommun) => navigate({ ...route, vy: 'lan', lan: county.code, typ: type.slug, kommun }, { focus: '#kommun-rubrik' });
      const row = cov.rows.find((r) => r.municipality.code === route.kommun);
      const map = borders(county.code, available);
      const cellOf = (c) => {
        const found = cov.rows.find((r) => r.municipality.code === c);
        if (map.source === 'api') {
          const feature = map.features.find((f) => f.properties.code === c);
          const cell = feature?.properties.cells?.[type.slug];
          return { name: feature?.properties.name || c, covered: !!cell?.covered, kind: cell?.route };
        }
        const cell = found?.cells[type.slug];
        return { name: found?.municipality.name || c, covered: !!cell?.covered, kind: cell?.best_route?.kind };
      };
      return html`${choices}
        <div class="coverage-layout">
          <div class="coverage-map">
            ${map.state === 'ok'
              ? html`<${CountyMap} features=${map.features} source=${map.source} cellOf=${cellOf}
                  county=${county} selected=${route.kommun} choose=${choose} /><${Legend} />`
              : map.state === 'error' ? html`<p>Kartan kunde inte ritas; tabellen visar samma uppgifter.</p>` : html`<${Loading} what="kartan" />`}
          </div>
          <div class="coverage-table-wrap">
            <${CoverageTable} coverage=${cov} type=${type} selected=${route.kommun} choose=${choose} methodName=${methodName} />
            <p class="muted">Uppgifterna gäller ${cov.on}. Välj en kommun i tabellen eller på kartan för att se mer.</p>
          </div>
        </div>
        ${row && html`<${MunicipalityDetail} row=${row} coverage=${cov} type=${type} available=${available} methodName=${methodName} />`}`;
    })}`;
}
