// tests/browser/page.test.mjs: the web page and /docs in a real browser.
//
//   BASE_URL=http://127.0.0.1:PORT ADMIN_KEY=ik_... CHROMIUM=/usr/bin/chromium \
//   SCREENSHOTS=build/browser node tests/browser/page.test.mjs
//
// Debian's chromium, driven by puppeteer-core, against the server and
// database of the test run. Prints TAP ("ok N - ...", "not ok N - ...: why")
// and a screenshot of each view into SCREENSHOTS. It first makes, through the
// API with the admin key, one provider with an offering of FFT available in
// all of Uppsala län (03), and removes them at the end. Any console error,
// uncaught exception, failed request or HTTP error answer fails the run,
// except the one 404 the error-in-words check asks for on purpose.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import puppeteer from 'puppeteer-core';

const here = dirname(fileURLToPath(import.meta.url));
const base = process.env.BASE_URL;
const adminKey = process.env.ADMIN_KEY;
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = process.env.SCREENSHOTS || 'build/browser';
const axeSource = readFileSync(join(here, 'node_modules/axe-core/axe.min.js'), 'utf8');
const WAIT_MS = 30000;

let count = 0;
let failures = 0;
function result(ok, name, why = '') {
  count += 1;
  if (!ok) failures += 1;
  console.log(`${ok ? 'ok' : 'not ok'} ${count} - ${name}${!ok && why ? `: ${why}` : ''}`);
}
async function check(name, body) {
  try {
    const why = await body();
    result(!why, name, why || '');
  } catch (error) {
    result(false, name, String(error.message || error).split('\n')[0]);
  }
}

// ---- the data the page must show, made through the API -------------------------

async function api(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: {
      Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json', Accept: 'application/json',
      ...(method === 'DELETE' ? { 'If-Match': '*' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

function organisationNumber() {
  const digits = Array.from({ length: 9 }, (_, i) => (i === 0 ? 5 : Math.floor(Math.random() * 10)));
  const sum = digits.reduce((s, d, i) => {
    let v = d * (i % 2 === 0 ? 2 : 1);
    if (v > 9) v -= 9;
    return s + v;
  }, 0);
  return digits.join('') + ((10 - (sum % 10)) % 10);
}

const tag = Date.now().toString(36);
const providerName = `Webbtestets familjebehandling ${tag} (fiktiv)`;
const made = [];

async function makeData() {
  const provider = await api('POST', '/v1/providers', {
    name: providerName, organisation_number: organisationNumber(), kind: 'privat', home_county: '03', example: true,
  });
  made.push(`/v1/providers/${provider.id}`);
  const offering = await api('POST', '/v1/offerings', {
    provider_id: provider.id, method: 'fft', delivery: 'på plats', valid_from: '2020-01-01', cost_per_case_sek: 87000,
    training_days: 6, languages: ['svenska'], example: true,
  });
  made.push(`/v1/offerings/${offering.id}`);
  const availability = await api('POST', '/v1/availability', {
    offering_id: offering.id, county: '03', status: 'tillgänglig', capacity_cases_per_year: 20, lead_time_weeks: 0, example: true,
  });
  made.push(`/v1/availability/${availability.id}`);
  // A municipality near Enköping that delivers FFT itself, so the guidance has a partner to name
  // whatever earlier tests left in the database.
  const own = await api('POST', '/v1/providers', {
    name: `Webbtestets kommunala familjeteam ${tag} (fiktiv)`, organisation_number: organisationNumber(), kind: 'kommun',
    home_county: '03', municipality: '0380', example: true,
  });
  made.push(`/v1/providers/${own.id}`);
  const ownOffering = await api('POST', '/v1/offerings', {
    provider_id: own.id, method: 'fft', delivery: 'på plats', valid_from: '2020-01-01', cost_per_case_sek: 64000,
    training_days: 6, languages: ['svenska'], example: true,
  });
  made.push(`/v1/offerings/${ownOffering.id}`);
}

async function removeData() {
  for (const path of made.reverse()) {
    try { await api('DELETE', path); } catch (error) { console.log(`# cleanup: ${error.message}`); }
  }
}

// ---- the browser ---------------------------------------------------------------

const problems = [];      // console errors, exceptions, failed requests, HTTP errors
let expected404 = null;   // the one URL whose 404 is asked for on purpose

function watch(page) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location()?.url || '';
    if (expected404 && url.includes(expected404) && message.text().includes('404')) return;
    problems.push(`console error: ${message.text()} ${url}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !(expected404 && response.url().includes(expected404)))
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
}

async function axe(page, name) {
  await page.evaluate(axeSource);   // DevTools evaluation: not inline script, so the CSP allows it
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target?.join(' ') }));
  });
  const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of found.filter((x) => !bad.includes(x))) console.log(`# axe (${name}, ${v.impact}): ${v.id} x${v.nodes}`);
  return bad.length ? bad.map((v) => `${v.id} (${v.impact}, ${v.nodes}x, ${v.target})`).join('; ') : null;
}

async function textOf(page, selector) {
  return page.$eval(selector, (e) => e.textContent.replace(/\s+/g, ' ').trim());
}

// ---- with the guidance and map endpoints (issue 15), answered here from their contract ----

/*
 * The page finds optional endpoints in the served contract's path list. Until
 * the server has them, a second tab answers them from the examples of their
 * contract (guidance branch), so the page's other code path runs too: the
 * Vägledning view, the map from /v1/maps/municipalities, the partners.
 */
async function guidanceChecks(browser) {
  const contract = await (await fetch(`${base}/openapi.yaml`)).text();
  if (contract.includes('\n  /v1/guidance:')) {
    console.log('# the server has /v1/guidance: the views below use it, not the stand-in');
  }
  const coverage = await (await fetch(`${base}/v1/counties/03/coverage`)).json();
  const borders = JSON.parse(readFileSync(join(here, '../../internal/web/kommuner.geojson'), 'utf8'));
  const map = {
    type: 'FeatureCollection',
    features: borders.features.filter((f) => f.properties.code.startsWith('03')).map((f) => {
      const row = coverage.rows.find((r) => r.municipality.code === f.properties.code);
      const cells = Object.fromEntries(Object.entries(row.cells).map(([type, c]) =>
        [type, { covered: c.covered, route: c.best_route?.kind || null, status: c.best_route?.status || null }]));
      return { type: 'Feature', id: f.properties.code, geometry: f.geometry,
        properties: { code: f.properties.code, name: row.municipality.name, county: '03', types: 5, covered: row.covered, cells } };
    }),
  };
  const route = { kind: 'egen regi', status: 'tillgänglig', lead_time_weeks: 0, cost_per_case_sek: 90000, method: 'fft',
    offering_id: 3, provider: { id: 2, name: 'Uppsala kommun familjebehandling', example: true }, agreement: null };
  const uppsala = { code: '0380', name: 'Uppsala', county: '03' };
  const answers = {
    '/v1/guidance/rules': { need_areas: [{ slug: 'familj', name_sv: 'Familj och föräldraskap', description: 'Samspel.' },
      { slug: 'kamrater', name_sv: 'Kamrater', description: 'Umgänge.' }], rules: [] },
    '/v1/guidance': {
      age: 14, risk: 'hög', needs: ['familj'], knowledge_support: 'normbrytande-beteende-2021', on: '2026-12-06',
      age_band: { age_min: 12, age_max: 17 },
      risk_principle: { risk: 'hög', recommendations_apply: true, intensity: 'hög', text: 'Kunskapsstödets rekommendationer gäller barn med hög risk.' },
      municipality: { code: '0381', name: 'Enköping', county: '03' },
      recommendations: [{ slug: 'familjebehandling-12-17', strength: 'bör', age_min: 12, age_max: 17,
        statement: 'Socialtjänsten bör erbjuda strukturerad familjebehandling.',
        intervention_type: { slug: 'familjebehandling', name_sv: 'Strukturerad familjebehandling' }, needs_met: ['familj'],
        methods: [{ slug: 'fft', abbreviation: 'FFT', name_sv: 'Funktionell familjeterapi', age_min: 11, age_max: 18, format: 'familj', availability: 'tillgänglig' }],
        coverage: { covered: true, best_route: { ...route, kind: 'utförare' } },
        partners: [{ municipality: uppsala, neighbour: true, distance_km: 45.2, route }] }],
      warnings: [{ slug: 'avskrackande-program', strength: 'bör inte', age_min: 6, age_max: 17,
        statement: 'Socialtjänsten bör inte erbjuda avskräckande program av Scared Straight-typ.',
        intervention_type: { slug: 'avskrackande-program', name_sv: 'Avskräckande program av Scared Straight-typ' } }],
      assessment_instruments: [{ slug: 'savry', abbreviation: 'SAVRY', name: 'Structured Assessment of Violence Risk in Youth',
        assesses: 'risk för återfall i våldsbrott', age_min: 12, age_max: 18 }],
      rules: [],
    },
    '/v1/maps/municipalities': map,
    '/v1/municipalities/0381/partners': { municipality: { code: '0381', name: 'Enköping', county: '03' }, intervention_type: 'familjebehandling',
      method: null, on: '2026-12-06', radius_km: 100, own_route: null, total: 1,
      partners: [{ municipality: uppsala, neighbour: true, distance_km: 45.2, partner_kind: 'utförare', route, cost_estimate: null }] },
  };
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await page.setViewport({ width: 1280, height: 900 });
  watch(page);
  await page.setRequestInterception(true);
  const asked = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    asked.push(url.pathname);
    if (url.pathname === '/openapi.yaml' && !contract.includes('\n  /v1/guidance:'))
      return request.respond({ status: 200, contentType: 'application/yaml', body: `${contract}\n  /v1/guidance:\n  /v1/guidance/rules:\n`
        + '  /v1/maps/municipalities:\n  /v1/municipalities/{code}/partners:\n' });
    const answer = answers[url.pathname];
    if (answer && !contract.includes(`\n  ${url.pathname === '/v1/municipalities/0381/partners' ? '/v1/municipalities/{code}/partners' : url.pathname}:`))
      return request.respond({ status: 200, contentType: url.pathname.startsWith('/v1/maps') ? 'application/geo+json' : 'application/json',
        body: JSON.stringify(answer) });
    return request.continue();
  });
  try {
    await check('with /v1/guidance, Vägledning is in the menu and shows recommendations, warnings and partners', async () => {
      await page.goto(`${base}/?vy=vagledning&alder=14&risk=h%C3%B6g&behov=familj&kommun=0381`, { waitUntil: 'load' });
      await page.waitForSelector('#svar');
      const menu = await textOf(page, 'nav');
      const answer = await textOf(page, 'main');
      await shot(page, 'vagledning');
      if (!menu.includes('Vägledning')) return 'no Vägledning in the menu';
      // The nearest partner the page must name: the server's own answer once it has the endpoint
      // (which municipality is nearest depends on the data earlier tests left).
      const partner = contract.includes('\n  /v1/guidance:')
        ? (await (await fetch(`${base}/v1/guidance?age=14&risk=h%C3%B6g&needs=familj&municipality=0381`)).json())
          .recommendations.find((r) => r.partners?.length > 0)?.partners[0].municipality.name
        : 'Uppsala';
      if (!partner) return 'the guidance answer names no partner';
      const wanted = ['Vägledning för 14 år, hög risk, Enköping', 'Bör inte erbjudas', 'FFT', partner, 'SAVRY'];
      const missing = wanted.filter((w) => !answer.includes(w));
      return missing.length ? `missing: ${missing.join(', ')}` : null;
    });
    await check('the guidance view passes axe-core', () => axe(page, 'vagledning'));
    await check('with /v1/maps/municipalities, the county map comes from it, and a municipality shows its partners', async () => {
      await page.goto(`${base}/?vy=lan&lan=03&typ=familjebehandling&kommun=0381`, { waitUntil: 'load' });
      await page.waitForSelector('.partners');
      const shapes = await page.$$eval('svg.karta path[data-code]', (all) => all.map((p) => p.dataset.route));
      const partners = await textOf(page, '.partners');
      await shot(page, 'lan-03-partner');
      if (shapes.length !== 8) return `${shapes.length} shapes`;
      if (!asked.includes('/v1/maps/municipalities') || asked.includes('/app/kommuner.geojson'))
        return 'the borders did not come from /v1/maps/municipalities';
      // The nearest partner the page must name: the server's own answer once it has the endpoint.
      const served = contract.includes('\n  /v1/municipalities/{code}/partners:');
      const nearest = served
        ? (await (await fetch(`${base}/v1/municipalities/0381/partners?intervention_type=familjebehandling`)).json()).partners[0]?.municipality.name
        : 'Uppsala';
      if (!nearest) return 'the partners answer names no partner';
      return partners.includes(nearest) ? null : `partners "${partners}" lack "${nearest}"`;
    });
  } finally {
    await page.close();
  }
}

async function main() {
  mkdirSync(shots, { recursive: true });
  await makeData();
  const profile = mkdtempSync(join(tmpdir(), 'ik-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: profile,
    // No network beyond loopback here: no background, sync or update traffic.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.setViewport({ width: 1280, height: 900 });
    watch(page);

    await check('GET / from a browser is the page, with a CSP of the own origin and no inline script', async () => {
      const response = await page.goto(`${base}/`, { waitUntil: 'load' });
      const csp = response.headers()['content-security-policy'] || '';
      const script = (csp.match(/script-src ([^;]*)/) || [])[1] || '';
      if (!response.headers()['content-type'].startsWith('text/html')) return `Content-Type ${response.headers()['content-type']}`;
      if (!/default-src 'self'/.test(csp) || script.trim() !== "'self'") return `CSP "${csp}"`;
      if (await page.$('script:not([src])')) return 'the page has an inline script';
      await page.waitForSelector('#sok-q');
      await shot(page, 'start');
      return null;
    });
    await check('the start page passes axe-core (no serious or critical violations)', () => axe(page, 'start'));

    await check('a skip link is the first Tab stop and moves to the main content', async () => {
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
      if (first !== 'Hoppa till innehållet') return `first Tab stop is "${first}"`;
      await page.keyboard.press('Enter');
      const now = await page.evaluate(() => document.activeElement?.id);
      return now === 'innehall' ? null : `focus went to "${now}"`;
    });

    await check('searching for "familj" lists FFT among the methods, with the search in the URL', async () => {
      await page.click('#sok-q');
      await page.type('#sok-q', 'familj');
      await page.keyboard.press('Enter');
      await page.waitForSelector('a[href="?vy=metod&metod=fft"]');
      const group = await textOf(page, '#grupp-method');
      const url = new URL(page.url());
      await shot(page, 'sok');
      if (!group.startsWith('Metoder')) return `the results group is "${group}"`;
      return url.searchParams.get('vy') === 'sok' && url.searchParams.get('q') === 'familj' ? null : `URL ${page.url()}`;
    });
    await check('the search results pass axe-core', () => axe(page, 'sok'));

    await check("FFT's page shows the provider in Uppsala län with its cost", async () => {
      await page.click('a[href="?vy=metod&metod=fft"]');
      await page.waitForFunction(() => document.querySelector('main h1')?.textContent.includes('FFT'));
      await page.waitForSelector('#metod-lan');
      await page.select('#metod-lan', '03');
      await page.waitForSelector('table.providers');
      const heading = await textOf(page, '#utforare');
      const table = await textOf(page, 'table.providers');
      await shot(page, 'metod');
      if (heading !== 'Utförare i Uppsala län') return `heading "${heading}"`;
      if (!table.includes(providerName)) return 'the provider made for the test is not in the table';
      return table.includes('87 000 kr') ? null : 'its cost per case (87 000 kr) is not shown';
    });
    await check("the method's page passes axe-core", () => axe(page, 'metod'));

    await check('the county view of 03 has one shape per municipality (8), coloured as the county coverage says', async () => {
      await page.goto(`${base}/?vy=lan&lan=03&typ=familjebehandling`, { waitUntil: 'load' });
      await page.waitForFunction(() => document.querySelectorAll('svg.karta path[data-code]').length > 0
        && document.querySelectorAll('table.coverage-table tbody tr').length > 0);
      const coverage = await (await fetch(`${base}/v1/counties/03/coverage`)).json();
      const keys = { 'egen regi': 'egen-regi', avtalssamverkan: 'avtalssamverkan', utförare: 'utforare' };
      const expected = Object.fromEntries(coverage.rows.map((row) => {
        const cell = row.cells.familjebehandling;
        return [row.municipality.code, cell?.covered ? keys[cell.best_route.kind] : 'ingen'];
      }));
      const drawn = await page.evaluate(() => {
        const fillOf = (el) => getComputedStyle(el).fill;
        const legend = Object.fromEntries([...document.querySelectorAll('.legend li')].map((li) => [li.dataset.route, fillOf(li.querySelector('rect'))]));
        return [...document.querySelectorAll('svg.karta path[data-code]')].map((p) => ({
          code: p.dataset.code, route: p.dataset.route, fill: fillOf(p), legendFill: legend[p.dataset.route], hasShape: p.getAttribute('d').length > 20,
        }));
      });
      await shot(page, 'lan-03');
      if (drawn.length !== 8 || coverage.rows.length !== 8) return `${drawn.length} shapes, ${coverage.rows.length} rows in the coverage`;
      const wrong = drawn.filter((d) => d.route !== expected[d.code] || d.fill !== d.legendFill || !d.hasShape);
      if (wrong.length) return `wrong: ${wrong.map((d) => `${d.code} ${d.route}/${expected[d.code]} ${d.fill}/${d.legendFill}`).join(', ')}`;
      return drawn.some((d) => d.route === 'utforare' || d.route === 'egen-regi' || d.route === 'avtalssamverkan')
        ? null : 'no municipality is coloured as covered, though the test made a provider for the whole county';
    });
    await check('choosing a municipality in the table shows its coverage and puts it in the URL', async () => {
      await page.click('table.coverage-table tbody tr[data-code="0381"] button');
      await page.waitForSelector('#kommun-rubrik');
      const heading = await textOf(page, '#kommun-rubrik');
      const focused = await page.evaluate(() => document.activeElement?.id);
      await shot(page, 'lan-03-enkoping');
      if (heading !== 'Enköping') return `heading "${heading}"`;
      if (new URL(page.url()).searchParams.get('kommun') !== '0381') return `URL ${page.url()}`;
      return focused === 'kommun-rubrik' ? null : `focus on "${focused}"`;
    });
    await check('the county view passes axe-core', () => axe(page, 'lan'));

    await check('the knowledge support shows the age bands and "bör inte" as a warning', async () => {
      await page.goto(`${base}/?vy=kunskapsstod`, { waitUntil: 'load' });
      await page.waitForSelector('.band');
      const bands = await page.$$eval('.band-title', (all) => all.map((e) => e.textContent.trim()));
      const warning = await page.$eval('.warning', (e) => e.textContent).catch(() => '');
      await shot(page, 'kunskapsstod');
      if (!bands.includes('Barn 6–11 år') || !bands.includes('Barn 12–17 år')) return `bands ${bands.join(', ')}`;
      return warning.includes('Bör inte') ? null : 'no warning for the "bör inte" recommendation';
    });
    await check('the knowledge support passes axe-core', () => axe(page, 'kunskapsstod'));

    await check('a problem+json answer is shown in words (an unknown method)', async () => {
      expected404 = '/v1/methods/finns-inte';
      await page.goto(`${base}/?vy=metod&metod=finns-inte`, { waitUntil: 'load' });
      await page.waitForSelector('[role="alert"]');
      const text = await textOf(page, '[role="alert"]');
      await shot(page, 'fel');
      return text.includes('finns inte i katalogen') ? null : `alert "${text}"`;
    });

    await check('on a phone (375 px) the county view fits the width', async () => {
      // Not isMobile: a mobile viewport would zoom out to fit a page that is too wide, hiding the overflow.
      await page.setViewport({ width: 375, height: 812 });
      await page.goto(`${base}/?vy=lan&lan=03&typ=familjebehandling`, { waitUntil: 'load' });
      await page.waitForSelector('svg.karta path[data-code]');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - 375);
      await shot(page, 'lan-03-telefon');
      await page.setViewport({ width: 1280, height: 900 });
      return overflow <= 1 ? null : `the page is ${overflow} px wider than the screen`;
    });

    await check('/docs renders every operation of the served openapi.yaml with Redoc', async () => {
      const contract = await (await fetch(`${base}/openapi.yaml`)).text();
      const operations = [...contract.matchAll(/^\s+operationId: (\S+)$/gm)].map((m) => m[1]);
      const response = await page.goto(`${base}/docs`, { waitUntil: 'load' });
      if (!/default-src 'self'/.test(response.headers()['content-security-policy'] || '')) return 'no CSP on /docs';
      await page.waitForSelector('[id^="operation/"]', { timeout: 120000 });
      const shown = await page.evaluate((ids) => ids.filter((id) => !document.getElementById(`operation/${id}`)), operations);
      await shot(page, 'docs', false);   // Redoc's page is too tall for one picture
      if (operations.length < 50) return `only ${operations.length} operations in openapi.yaml`;
      return shown.length === 0 ? null : `missing: ${shown.slice(0, 5).join(', ')}`;
    });

    await guidanceChecks(browser);

    await check('no console error, uncaught exception or failed request in the whole run', async () =>
      (problems.length ? problems.slice(0, 5).join(' | ') : null));
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
    await removeData();
  }
}

main()
  .catch((error) => result(false, 'the browser test runs', String(error.message || error).split('\n')[0]))
  .finally(() => {
    console.log(`1..${count}`);
    process.exit(failures ? 1 : 0);
  });
