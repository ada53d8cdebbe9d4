// app.js: the page. The URL's query string holds the view and its
// parameters (?vy=metod&metod=fft&lan=03), so every state can be linked
// to, bookmarked and reached with the back button. Every change renders
// the whole page again with Preact, which touches only what differs.
import { render } from './vendor/preact.module.js';
import { html, href } from './ui.js';
import { features, onChange } from './api.js';
import { StartView, SearchView } from './view-search.js';
import { KnowledgeView } from './view-knowledge.js';
import { CoverageView } from './view-coverage.js';
import { MethodView } from './view-method.js';
import { GuidanceView } from './view-guidance.js';

const root = document.getElementById('app');
let moveFocus = null;   // after the next render: a selector to focus, e.g. "main h1"

function route() {
  const params = Object.fromEntries(new URLSearchParams(location.search));
  return { vy: params.vy || 'start', ...params };
}

/*
 * Goes to a new state of the page (a new history entry unless replace).
 * focus: what gets the keyboard focus after it renders; the new view's
 * heading by default, nothing (null) for a change within a view, such as a
 * choice in a form, so a keyboard user stays where they are.
 */
export function navigate(params, { replace = false, focus = 'main h1' } = {}) {
  const url = href(params);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  moveFocus = focus;
  update();
}

const views = {
  start: { title: 'Start', view: StartView },
  sok: { title: 'Sök', view: SearchView },
  kunskapsstod: { title: 'Kunskapsstödet', view: KnowledgeView },
  vagledning: { title: 'Vägledning', view: GuidanceView, needs: 'guidance' },
  lan: { title: 'Länets täckning', view: CoverageView },
  metod: { title: 'Metod', view: MethodView },
};

function Navigation({ current, available }) {
  const items = [
    ['start', 'Start'], ['sok', 'Sök'], ['kunskapsstod', 'Kunskapsstödet'],
    ...(available.guidance ? [['vagledning', 'Vägledning']] : []),
    ['lan', 'Länets täckning'],
  ];
  return html`<nav aria-label="Huvudmeny"><ul class="menu">
    ${items.map(([vy, label]) => html`<li><a href=${href({ vy: vy === 'start' ? null : vy })}
      aria-current=${current === vy ? 'page' : null}>${label}</a></li>`)}
    <li><a href="/docs">API-dokumentation</a></li>
  </ul></nav>`;
}

function Page() {
  const r = route();
  const available = features();
  const entry = views[r.vy] || views.start;
  const missing = entry.needs && available.known && !available[entry.needs];
  const View = entry.view;
  return html`
    <header class="site-header"><div class="wrap">
      <a class="site-name" href="?">Insatskatalogen</a>
      <span class="tagline">Insatser för barn 6–17 år med normbrytande beteende</span>
      <${Navigation} current=${r.vy} available=${available} />
    </div></header>
    <main id="innehall" class="wrap" tabindex="-1">
      ${missing
        ? html`<h1 tabindex="-1">${entry.title}</h1><p>Den här delen finns inte i den här versionen av tjänsten.</p>`
        : html`<${View} route=${r} navigate=${navigate} available=${available} />`}
    </main>
    <footer class="site-footer"><div class="wrap">
      <p>Uppgifterna kommer från tjänstens öppna API (<a href="/docs">dokumentation</a>, <a href="/openapi.yaml">openapi.yaml</a>).
      Exempelutförare och exempelavtal märkta ”fiktiv” är påhittade. Sidan sparar inga uppgifter om barn.</p>
    </div></footer>`;
}

let scheduled = false;
function update() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    render(html`<${Page} />`, root);
    const heading = root.querySelector('main h1');
    if (heading) document.title = `${heading.textContent} – Insatskatalogen`;
    const target = moveFocus && root.querySelector(moveFocus);
    if (target) {
      moveFocus = null;
      if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      target.focus();
    }
  });
}

// Links within the page ("?vy=...") change the state without a reload.
document.addEventListener('click', (event) => {
  const link = event.target.closest('a');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  const target = link.getAttribute('href');
  if (!target || !target.startsWith('?')) return;
  event.preventDefault();
  navigate(Object.fromEntries(new URLSearchParams(target.slice(1))));
});
window.addEventListener('popstate', () => { moveFocus = 'main h1'; update(); });
onChange(update);
root.textContent = '';
update();
