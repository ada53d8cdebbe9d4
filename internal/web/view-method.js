// view-method.js: one method: what it is, for which ages and in which
// format, who can deliver it in a chosen county (cost, training time, lead
// time, availability) and the agreements that cover it.
import { html, href, whenLoaded, kronor, number, ageRange, ScrollTable } from './ui.js';
import { load } from './api.js';

const availabilityWords = {
  tillgänglig: 'tar emot nya ärenden',
  begränsad: 'begränsat antal platser',
  väntelista: 'nya ärenden får vänta',
  planerad: 'planerad, ännu inte i gång',
  'ej tillgänglig': 'tar inte emot nya ärenden',
};

function Facts({ method }) {
  const rows = [
    ['Insatstyp', method.intervention_type?.name_sv],
    ['Ålder', ageRange(method.age_min, method.age_max)],
    ['Format', method.format],
    ['Längd', method.typical_duration],
    ['Tillgång i Sverige', method.availability + (method.availability_note ? ` – ${method.availability_note}` : '')],
    ['Huvudman för metoden', method.purveyor],
    ['Samverkanspiloten', method.pilot_survey
      ? `${method.pilot_survey.percent_of_municipalities} % av pilotens kommuner använde metoden ${method.pilot_survey.period}.` : null],
  ].filter(([, value]) => value);
  return html`<dl class="facts">${rows.map(([term, value]) => html`<div><dt>${term}</dt><dd>${value}</dd></div>`)}</dl>`;
}

function Providers({ slug, county, counties }) {
  const url = `/v1/methods/${encodeURIComponent(slug)}/providers?${new URLSearchParams({ county, limit: 200 })}`;
  const name = counties.items.find((c) => c.code === county)?.name || county;
  return html`<section aria-labelledby="utforare">
    <h2 id="utforare">Utförare i ${name}</h2>
    ${whenLoaded([load(url)], 'utförarna', (answer) => answer.items.length === 0
      ? html`<p>Ingen utförare erbjuder metoden i ${name} den ${answer.on}.</p>`
      : html`<${ScrollTable} label=${`Utförare i ${name}`}>
        <table class="providers">
          <caption>${answer.total} ${answer.total === 1 ? 'erbjudande' : 'erbjudanden'} i ${name} den ${answer.on}, de mest tillgängliga först</caption>
          <thead><tr><th scope="col">Utförare</th><th scope="col">Tillgänglighet</th><th scope="col" class="num">Ledtid</th>
            <th scope="col" class="num">Kostnad per ärende</th><th scope="col" class="num">Startavgift</th><th scope="col" class="num">Årsavgift</th>
            <th scope="col" class="num">Utbildning</th><th scope="col">Leverans och språk</th></tr></thead>
          <tbody>${answer.items.map((o) => html`<tr>
            <th scope="row">${o.provider.name}<span class="muted"> (${o.provider.kind}${o.municipality ? `, kommun ${o.municipality}` : ', hela länet'})</span></th>
            <td>${o.status}<span class="muted"> – ${availabilityWords[o.status] || ''}${o.capacity_cases_per_year != null ? `, ${o.capacity_cases_per_year} ärenden per år` : ''}</span></td>
            <td class="num">${number(o.lead_time_weeks, 'v.')}</td>
            <td class="num">${kronor(o.costs.cost_per_case_sek)}</td>
            <td class="num">${kronor(o.costs.startup_fee_sek)}</td>
            <td class="num">${kronor(o.costs.yearly_fee_sek)}</td>
            <td class="num">${o.training.days != null ? `${number(o.training.days)} dagar` : '–'}${o.training.certification_required ? ', certifiering' : ''}</td>
            <td>${o.delivery}; ${o.languages.join(', ')}</td>
          </tr>`)}</tbody>
        </table>
      <//>
      ${answer.based_on?.offerings_verified?.oldest && html`<p class="muted">${
        `Villkoren bekräftades av utförarna mellan ${answer.based_on.offerings_verified.oldest} och ${answer.based_on.offerings_verified.newest}.`}</p>`}`)}
  </section>`;
}

function Agreements({ slug, county }) {
  const query = { method: slug, limit: 50 };
  if (county) query.county = county;
  const url = `/v1/agreements?${new URLSearchParams(query)}`;
  return html`<section aria-labelledby="avtal">
    <h2 id="avtal">Avtalssamverkan som omfattar metoden</h2>
    ${whenLoaded([load(url)], 'avtalen', (answer) => answer.items.length === 0
      ? html`<p>Inga avtal${county ? ' med en part i länet' : ''} omfattar metoden.</p>`
      : html`<ul class="agreements">${answer.items.map((a) => html`<li>
          <strong>${a.title}</strong> <span class="badge">${a.effective_status}</span><br />
          Utförare: ${a.performer?.name || '–'}. Beställare: ${a.parties.filter((p) => p.role === 'beställare').map((p) => p.name).join(', ') || '–'}.${a.valid_from ? ` Gäller från ${a.valid_from}${a.valid_to ? ` till ${a.valid_to}` : ''}.` : ''}
        </li>`)}</ul>${answer.next && html`<p class="muted">Visar de första ${answer.items.length}.</p>`}`)}
  </section>`;
}

export function MethodView({ route, navigate }) {
  const slug = route.metod;
  if (!slug)
    return html`<h1>Metod</h1><p>Välj en metod via <a href=${href({ vy: 'sok' })}>sökningen</a> eller <a href=${href({ vy: 'kunskapsstod' })}>kunskapsstödet</a>.</p>`;
  const method = load(`/v1/methods/${encodeURIComponent(slug)}`);
  const counties = load('/v1/counties?limit=200');
  const title = method.state === 'ok' ? `${method.data.abbreviation ? `${method.data.abbreviation} – ` : ''}${method.data.name_sv}` : 'Metod';
  return html`<h1>${title}</h1>
    ${whenLoaded([method, counties], 'metoden', (m, list) => html`
      ${m.name_en && html`<p class="muted" lang="en">${m.name_en}</p>`}
      <p class="lead">${m.description}</p>
      <${Facts} method=${m} />
      <form class="choices" onSubmit=${(e) => e.preventDefault()}>
        <div class="field"><label for="metod-lan">Visa utförare i län</label>
          <select id="metod-lan" onChange=${(e) => navigate({ vy: 'metod', metod: slug, lan: e.target.value }, { focus: null })}>
            <option value="" selected=${!route.lan}>Välj län</option>
            ${list.items.map((c) => html`<option value=${c.code} selected=${route.lan === c.code}>${c.name}</option>`)}
          </select></div>
      </form>
      ${route.lan ? html`<${Providers} slug=${slug} county=${route.lan} counties=${list} />`
        : html`<p>Välj ett län för att se vilka utförare som erbjuder metoden där, till vilket pris och hur snart.</p>`}
      <${Agreements} slug=${slug} county=${route.lan} />`)}`;
}
