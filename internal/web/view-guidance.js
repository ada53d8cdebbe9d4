// view-guidance.js: Vägledning. An age, a risk level and need areas (and
// optionally a municipality) give what the knowledge support recommends,
// what it advises against, and how the risk should have been assessed.
// Shown only when the API has /v1/guidance (app.js reads the contract).
// Nothing entered here is stored: the answer depends only on these values.
import { html, href, whenLoaded, kronor, number, ageRange, StrengthBadge } from './ui.js';
import { load } from './api.js';

const risks = [['låg', 'Låg'], ['måttlig', 'Måttlig'], ['hög', 'Hög']];

function municipalities() {
  const first = load('/v1/municipalities?limit=200');
  const second = first.state === 'ok' && first.data.next ? load(first.data.next) : null;
  return second ? [first, second] : [first];
}

function Form({ route, navigate, needAreas, places }) {
  const chosen = new Set((route.behov || '').split(',').filter(Boolean));
  const submit = (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    navigate({
      vy: 'vagledning', alder: data.get('alder'), risk: data.get('risk'),
      behov: data.getAll('behov').join(','), kommun: data.get('kommun'),
    }, { focus: '#svar' });
  };
  return html`<form class="guidance-form" onSubmit=${submit}>
    <div class="field"><label for="alder">Barnets ålder (år)</label>
      <select id="alder" name="alder" required>
        ${Array.from({ length: 12 }, (_, i) => i + 6).map((a) => html`<option value=${a} selected=${String(a) === (route.alder || '14')}>${a} år</option>`)}
      </select></div>
    <fieldset><legend>Risknivå enligt en strukturerad bedömning</legend>
      ${risks.map(([value, label]) => html`<label class="choice"><input type="radio" name="risk" value=${value} required
        checked=${(route.risk || 'hög') === value} /> ${label}</label>`)}
    </fieldset>
    <fieldset><legend>Behovsområden (valfritt)</legend>
      ${needAreas.map((n) => html`<label class="choice"><input type="checkbox" name="behov" value=${n.slug}
        checked=${chosen.has(n.slug)} /> ${n.name_sv}</label>`)}
    </fieldset>
    <div class="field"><label for="kommun">Kommun (valfritt: visar kommunens vägar och närmaste partner)</label>
      <select id="kommun" name="kommun">
        <option value="">Ingen kommun</option>
        ${places.map((m) => html`<option value=${m.code} selected=${route.kommun === m.code}>${m.name}</option>`)}
      </select></div>
    <button type="submit">Visa vägledning</button>
  </form>`;
}

function Coverage({ coverage }) {
  if (!coverage) return null;
  const r = coverage.best_route;
  return html`<p><strong>I kommunen:</strong> ${coverage.covered
    ? `täckt genom ${r.kind}${r.method ? ` (${r.method})` : ''}${r.provider ? `, ${r.provider.name}` : ''}, ${r.status}`
    : 'inte täckt i dag'}.</p>`;
}

function Answer({ answer }) {
  return html`<section aria-labelledby="svar">
    <h2 id="svar">Vägledning för ${answer.age} år, ${answer.risk} risk${answer.municipality ? `, ${answer.municipality.name}` : ''}</h2>
    <div class=${answer.risk_principle.recommendations_apply ? 'info' : 'warning'}><p>${answer.risk_principle.text}</p></div>
    ${answer.warnings.map((w) => html`<aside class="warning" aria-label="Avrådan">
      <h3><span aria-hidden="true">⚠ </span>Bör inte erbjudas: ${w.intervention_type.name_sv}</h3><p>${w.statement}</p></aside>`)}
    ${answer.recommendations.length > 0 && html`<h3>Rekommenderade insatser</h3>
      ${answer.recommendations.map((rec) => html`<article class="recommendation">
        <h4><${StrengthBadge} strength=${rec.strength} /> ${rec.intervention_type.name_sv}</h4>
        <p>${rec.statement}</p>
        ${rec.needs_met?.length > 0 && html`<p>Möter behoven: ${rec.needs_met.join(', ')}.</p>`}
        ${rec.methods?.length > 0 && html`<p>Metoder för ${answer.age} år: ${rec.methods.map((m, i) => html`${i > 0 ? ', ' : ''}<a
          href=${href({ vy: 'metod', metod: m.slug, lan: answer.municipality?.county })}>${m.abbreviation || m.name_sv}</a>`)}.</p>`}
        <${Coverage} coverage=${rec.coverage} />
        ${rec.partners?.length > 0 && html`<p>Närmaste möjliga partner: ${rec.partners.map((p) =>
          `${p.municipality.name} (${number(p.distance_km, 'km')}${p.route?.cost_per_case_sek != null ? `, ${kronor(p.route.cost_per_case_sek)} per ärende` : ''})`).join('; ')}.</p>`}
      </article>`)}`}
    <h3>Bedömningsmetoder för ${answer.age} år</h3>
    <ul>${answer.assessment_instruments.map((i) => html`<li><strong>${i.abbreviation || i.name}</strong> – ${i.assesses} (${ageRange(i.age_min, i.age_max)})</li>`)}</ul>
    ${answer.rules?.length > 0 && html`<details><summary>Regler och källor bakom svaret</summary>
      <ul>${answer.rules.map((r) => html`<li>${r.statement} <span class="muted">Källa: ${r.source}.${r.needs_review ? ` Behöver granskas: ${r.review_note || ''}` : ''}</span></li>`)}</ul>
    </details>`}
  </section>`;
}

export function GuidanceView({ route, navigate }) {
  const rules = load('/v1/guidance/rules');
  const pages = municipalities();
  const asked = route.alder && route.risk;
  const query = asked ? new URLSearchParams({ age: route.alder, risk: route.risk }) : null;
  if (query && route.behov) query.set('needs', route.behov);
  if (query && route.kommun) query.set('municipality', route.kommun);
  return html`<h1>Vägledning</h1>
    <p>Ange ålder, risknivå och behov som en strukturerad bedömning gav. Inga uppgifter om barnet sparas: svaret beror bara på
      värdena du väljer.</p>
    ${whenLoaded([rules, ...pages], 'formuläret', (r, ...lists) => html`<${Form} route=${route} navigate=${navigate}
      needAreas=${r.need_areas} places=${lists.flatMap((l) => l.items)} />`)}
    ${query && whenLoaded([load(`/v1/guidance?${query}`)], 'vägledningen', (answer) => html`<${Answer} answer=${answer} />`)}`;
}
