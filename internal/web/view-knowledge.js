// view-knowledge.js: the knowledge support: recommendations by age band,
// their intervention types and example methods, the "bör inte" type as a
// warning, the pilot's usage figures and the assessment instruments.
import { html, href, whenLoaded, ageRange, StrengthBadge, ScrollTable } from './ui.js';
import { load } from './api.js';

function pilotFigure(survey) {
  return survey ? `${survey.percent_of_municipalities} %` : '–';
}

function MethodList({ slugs, methods }) {
  if (slugs.length === 0)
    return html`<p class="muted">Kunskapsstödet nämner inga exempelmetoder för den här insatstypen.</p>`;
  return html`<ul class="method-list">${slugs.map((slug) => {
    const m = methods.get(slug);
    if (!m) return html`<li>${slug}</li>`;
    return html`<li><a href=${href({ vy: 'metod', metod: slug })}>${m.abbreviation || m.name_sv}</a>
      ${m.abbreviation && m.name_sv !== m.abbreviation && !m.name_sv.startsWith(`${m.abbreviation} `) && ` – ${m.name_sv}`} <span class="muted">(${ageRange(m.age_min, m.age_max)}${
        m.pilot_survey ? `; använd av ${m.pilot_survey.percent_of_municipalities} % av pilotens kommuner` : ''})</span></li>`;
  })}</ul>`;
}

function Recommendation({ rec, types, methods }) {
  const type = types.get(rec.intervention_type.slug);
  return html`<article class="recommendation" id=${`typ-${rec.intervention_type.slug}`}>
    <h4><${StrengthBadge} strength=${rec.strength} /> ${rec.intervention_type.name_sv}</h4>
    <p>${rec.statement}</p>
    ${type && html`<p class="muted">${type.description}</p>`}
    <h5>Exempel på metoder</h5>
    <${MethodList} slugs=${rec.example_methods} methods=${methods} />
  </article>`;
}

function Warning({ rec, types }) {
  const type = types.get(rec.intervention_type.slug);
  return html`<aside class="warning" aria-labelledby=${`varning-${rec.slug}`} id=${`typ-${rec.intervention_type.slug}`}>
    <h4 id=${`varning-${rec.slug}`}><span aria-hidden="true">⚠ </span>Bör inte erbjudas: ${rec.intervention_type.name_sv}</h4>
    <p>${rec.statement}</p>
    ${type && html`<p>${type.description}</p>`}
    <p class="muted">Gäller ${ageRange(rec.age_min, rec.age_max)}.</p>
  </aside>`;
}

function bands(recommendations) {
  const seen = new Map();
  for (const r of recommendations.filter((x) => !x.advised_against)) {
    const key = `${r.age_min}-${r.age_max}`;
    if (!seen.has(key)) seen.set(key, { min: r.age_min, max: r.age_max, items: [] });
    seen.get(key).items.push(r);
  }
  return [...seen.values()].sort((a, b) => a.min - b.min);
}

function KnowledgeSupport({ support, types, methods }) {
  const warnings = support.recommendations.filter((r) => r.advised_against);
  return html`<section aria-labelledby=${`ks-${support.slug}`}>
    <h2 id=${`ks-${support.slug}`}>${support.title}</h2>
    <p class="muted">${support.publisher} ${support.published_year}. Målgrupp: ${support.target_group}. Modell: ${support.model}.</p>
    <p>${support.description}</p>
    ${bands(support.recommendations).map((band) => html`<section class="band" aria-labelledby=${`band-${band.min}`}>
      <h3 id=${`band-${band.min}`} class="band-title">Barn ${ageRange(band.min, band.max)}</h3>
      ${warnings.filter((w) => w.age_min <= band.max && w.age_max >= band.min).map((w) => html`<${Warning} rec=${w} types=${types} />`)}
      ${band.items.map((rec) => html`<${Recommendation} rec=${rec} types=${types} methods=${methods} />`)}
    </section>`)}
  </section>`;
}

function Pilot({ survey }) {
  return html`<section aria-labelledby="pilot">
    <h2 id="pilot">Användning i samverkanspiloten ${survey.period}</h2>
    <p>${survey.description}</p>
    <${ScrollTable} label="Användning i samverkanspiloten">
      <table>
        <caption>Andel av pilotens ${survey.municipalities} kommuner som använt insatsen eller bedömningsmetoden</caption>
        <thead><tr><th scope="col">Insats eller metod</th><th scope="col" class="num">Andel kommuner</th><th scope="col">Kommentar</th></tr></thead>
        <tbody>${survey.results.map((r) => html`<tr>
          <th scope="row">${r.method ? html`<a href=${href({ vy: 'metod', metod: r.method })}>${r.subject}</a>` : r.subject}</th>
          <td class="num">${r.percent_of_municipalities} %</td><td>${r.note || ''}</td></tr>`)}</tbody>
      </table>
    <//>
    <p class="muted">Källa: ${survey.source}</p>
  </section>`;
}

function Instruments({ instruments }) {
  return html`<section aria-labelledby="bedomningsmetoder" id="bedomningsmetoder">
    <h2>Bedömningsmetoder</h2>
    <p>Standardiserade metoder för att bedöma risk och behov, som rekommendationerna förutsätter.</p>
    <${ScrollTable} label="Bedömningsmetoder">
      <table>
        <caption>Bedömningsmetoder, ålder och användning i piloten</caption>
        <thead><tr><th scope="col">Metod</th><th scope="col">Bedömer</th><th scope="col">Ålder</th><th scope="col" class="num">Pilotens kommuner</th></tr></thead>
        <tbody>${instruments.map((i) => html`<tr>
          <th scope="row"><abbr title=${i.name}>${i.abbreviation || i.name}</abbr></th>
          <td>${i.assesses}</td><td>${ageRange(i.age_min, i.age_max)}</td><td class="num">${pilotFigure(i.pilot_survey)}</td></tr>`)}</tbody>
      </table>
    <//>
  </section>`;
}

export function KnowledgeView() {
  const entries = [
    load('/v1/knowledge-supports?limit=200'), load('/v1/intervention-types?limit=200'),
    load('/v1/methods?limit=200'), load('/v1/assessment-instruments?limit=200'), load('/v1/surveys?limit=200'),
  ];
  return html`<h1>Kunskapsstödet</h1>
    ${whenLoaded(entries, 'kunskapsstödet', (supports, types, methods, instruments, surveys) => {
      const typeMap = new Map(types.items.map((t) => [t.slug, t]));
      const methodMap = new Map(methods.items.map((m) => [m.slug, m]));
      return html`${supports.items.map((s) => html`<${KnowledgeSupport} support=${s} types=${typeMap} methods=${methodMap} />`)}
        ${surveys.items.map((s) => html`<${Pilot} survey=${s} />`)}
        <${Instruments} instruments=${instruments.items} />`;
    })}`;
}
