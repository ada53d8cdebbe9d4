// api.js: the public API, exactly as any other frontend calls it. Documents
// are fetched once per page view and kept by URL; the browser revalidates
// them with their ETag. A failed request becomes an error the views put in
// words (problemText), from the application/problem+json the API answers.

const entries = new Map();
let changed = () => {};

export function onChange(listener) {
  changed = listener;
}

class RequestError extends Error {
  constructor(status, problem, network = false) {
    super(problem?.title || `status ${status}`);
    this.status = status;
    this.problem = problem;
    this.network = network;
  }
}

async function fetchBody(url, accept, asText) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: accept } });
  } catch {
    throw new RequestError(0, null, true);
  }
  if (!response.ok) {
    let problem = null;
    if ((response.headers.get('Content-Type') || '').includes('json')) {
      try { problem = await response.json(); } catch { problem = null; }
    }
    throw new RequestError(response.status, problem);
  }
  return asText ? response.text() : response.json();
}

/*
 * The entry of url: {state: 'loading' | 'ok' | 'error', data, error}. The
 * first call starts the request; its end re-renders the page.
 */
export function load(url, { text = false, accept = 'application/json' } = {}) {
  let entry = entries.get(url);
  if (entry) return entry;
  entry = { state: 'loading', data: null, error: null };
  entries.set(url, entry);
  fetchBody(url, accept, text)
    .then((data) => { entry.state = 'ok'; entry.data = data; })
    .catch((error) => { entry.state = 'error'; entry.error = error; })
    .finally(() => changed());
  return entry;
}

/* Drops what was loaded, so the next view asks again (a retry after an error). */
export function forget(url) {
  entries.delete(url);
}

/* Optional parts of the API, read from the served contract's list of paths. */
export function features() {
  const contract = load('/openapi.yaml', { text: true, accept: 'application/yaml' });
  if (contract.state !== 'ok') return { known: contract.state === 'error', guidance: false, maps: false, partners: false };
  const has = (path) => contract.data.includes(`\n  ${path}:`);
  return {
    known: true,
    guidance: has('/v1/guidance') && has('/v1/guidance/rules'),
    maps: has('/v1/maps/municipalities'),
    partners: has('/v1/municipalities/{code}/partners'),
  };
}

const fieldNames = {
  q: 'sökorden', age: 'åldern', risk: 'risknivån', needs: 'behovsområdena', municipality: 'kommunen',
  county: 'länet', intervention_type: 'insatstypen', method: 'metoden', limit: 'antalet per sida',
  offset: 'sidan', slug: 'namnet i adressen', code: 'koden', on: 'datumet',
};

const summaries = {
  '/problems/not-found': 'Det som efterfrågades finns inte i katalogen.',
  '/problems/invalid-parameter': 'En uppgift i frågan var ogiltig.',
  '/problems/invalid-header': 'En uppgift i frågan var ogiltig.',
  '/problems/service-unavailable': 'Tjänsten når inte sin databas just nu. Försök igen om en stund.',
  '/problems/internal-error': 'Ett oväntat fel uppstod i tjänsten. Felet är loggat.',
  '/problems/unauthorized': 'Uppgiften kräver en API-nyckel.',
  '/problems/forbidden': 'API-nyckeln ger inte tillgång till uppgiften.',
};

/* {summary, fields, detail}: a Swedish sentence, one line per named field, the server's English detail. */
export function problemText(error) {
  if (!error || error.network)
    return { summary: 'Tjänsten svarade inte. Kontrollera anslutningen och försök igen.', fields: [], detail: null };
  const problem = error.problem;
  if (!problem)
    return { summary: `Tjänsten svarade med felkod ${error.status}.`, fields: [], detail: null };
  const summary = summaries[problem.type] || `${problem.title || 'Fel'} (felkod ${problem.status || error.status}).`;
  const fields = (problem.errors || []).map((e) => {
    const name = fieldNames[e.field] || `fältet ”${e.field}”`;
    return `Kontrollera ${name}: ${e.message}`;
  });
  return { summary, fields, detail: problem.detail || null };
}
