// Peregrine's web console: one page over the HTTP API of the server that serves it. Plain DOM
// (no framework, nothing fetched from elsewhere); every text from the server goes in through
// textContent, never as HTML, since zone data comes from files, transfers and the API alike.
// The token, when the server wants one, lives in sessionStorage: the tab's session only.

const TOKEN_KEY = 'peregrine.token';
const main = document.getElementById('main');
const signOut = document.getElementById('sign-out');
let stopView = () => {};

/** h('a', {href: '#'}, 'text', child…): an element; attributes starting with "on" are listeners. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** fetch JSON from our own origin with the token; a 401 sends the user to the sign-in form (unless `signIn` is false). */
async function api(method, path, body, signIn = true) {
  const headers = { accept: 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  const text = await res.text();
  let json = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = { error: text.trim() };
  }
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    if (signIn) showSignIn();
    throw new HttpError(401, json?.error ?? 'sign in');
  }
  if (!res.ok) throw new HttpError(res.status, json?.error ?? `HTTP ${res.status}`);
  return json;
}

function show(title, ...content) {
  stopView();
  stopView = () => {};
  main.replaceChildren(h('h1', { text: title }), ...content);
  document.title = `${title} · Peregrine`;
}

function alertBox() {
  return h('p', { role: 'alert' });
}

function statusBox() {
  return h('p', { role: 'status' });
}

function fmtDate(iso) {
  return iso ? new Date(iso).toLocaleString() : '–';
}

// --- sign in --------------------------------------------------------------------------------

function showSignIn() {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'current-password', required: true });
  const err = alertBox();
  const form = h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      await api('GET', '/console/session', undefined, false);
      signOut.hidden = false;
      route();
    } catch (x) {
      err.textContent = x.status === 401 ? 'Wrong token.' : x.message;
    }
  } },
  h('label', { for: 'token' }, 'Token', input),
  h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  show('Sign in', h('p', { class: 'muted', text: 'This server wants the control API token (the file given with --api-token-file).' }), form, err);
  input.focus();
}

signOut.addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  signOut.hidden = true;
  location.hash = '#/zones';
  showSignIn();
});

// --- zones ----------------------------------------------------------------------------------

async function zonesView() {
  const zones = await (await fetch('/zones', { headers: { accept: 'application/json' } })).json();
  const filter = h('input', { id: 'zone-filter', type: 'search', placeholder: 'name, file or error' });
  const body = h('tbody');
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = zones.filter((z) => q === '' || [z.name, z.file, z.source, z.lastError].some((v) => typeof v === 'string' && v.toLowerCase().includes(q)));
    body.replaceChildren(...shown.map((z) => h('tr', {},
      h('td', {}, h('a', { href: `#/zone/${encodeURIComponent(z.name)}` }, z.name)),
      h('td', { class: 'hide-narrow' }, z.source ?? z.file ?? '–'),
      h('td', {}, z.serial ?? '–'),
      h('td', {}, z.records ?? '–'),
      h('td', { class: 'hide-narrow' }, z.signed ? `signed (${z.denial})` : 'unsigned'),
      h('td', { class: 'hide-narrow' }, z.signatureExpiry ? fmtDate(z.signatureExpiry) : '–'),
      h('td', { class: z.lastError ? 'error' : '' }, z.lastError ?? ''),
      h('td', { class: 'hide-narrow' }, Array.isArray(z.warnings) ? z.warnings.length : (z.warnings ?? '')),
    )));
    summary.textContent = `${shown.length} of ${zones.length} zone(s)`;
  };
  filter.addEventListener('input', render);
  render();
  const table = h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', { class: 'muted', text: 'Every zone served, with where it comes from' }),
    h('thead', {}, h('tr', {}, ['Name', 'Source', 'Serial', 'Records', 'DNSSEC', 'Signatures expire', 'Last error', 'Warnings'].map((t, i) => h('th', { scope: 'col', class: [1, 4, 5, 7].includes(i) ? 'hide-narrow' : null }, t)))),
    body));
  show('Zones', h('div', { class: 'toolbar' }, h('label', { for: 'zone-filter' }, 'Filter zones', filter)), summary, table, createZoneForm());
}

function createZoneForm() {
  const name = h('input', { id: 'new-zone', required: true, placeholder: 'example.com' });
  const ns = h('input', { id: 'new-zone-ns', required: true, placeholder: 'ns1.example.com. ns2.example.net.' });
  const err = alertBox();
  const done = statusBox();
  const form = h('form', { class: 'card', 'aria-label': 'Create zone', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    done.textContent = '';
    try {
      const r = await api('PUT', `/zones/${encodeURIComponent(name.value.trim())}`, { ns: ns.value.trim().split(/[\s,]+/).filter(Boolean) });
      done.textContent = `Created ${r.zone}, serial ${r.serial}.`;
      location.hash = `#/zone/${encodeURIComponent(r.zone)}`;
    } catch (x) {
      if (x.status !== 401) err.textContent = x.message;
    }
  } },
  h('strong', { text: 'New API zone' }),
  h('label', { for: 'new-zone' }, 'Zone name', name),
  h('label', { for: 'new-zone-ns' }, 'Name servers', ns),
  h('button', { type: 'submit', class: 'primary' }, 'Create zone'));
  return h('div', {}, form, err, done);
}

const PAGE = 50;

async function zoneView(origin) {
  let offset = 0;
  const search = h('input', { id: 'record-search', type: 'search', placeholder: 'owner name contains…' });
  const body = h('tbody');
  const info = h('p', { class: 'muted', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button' }, 'Previous page');
  const next = h('button', { type: 'button' }, 'Next page');
  const err = alertBox();
  const done = statusBox();
  const formSlot = h('div');
  const head = h('p', { class: 'muted' });
  const actions = h('div', { class: 'toolbar' });
  let page = null;

  const load = async () => {
    page = await api('GET', `/console/zones/${encodeURIComponent(origin)}/records?offset=${offset}&limit=${PAGE}&q=${encodeURIComponent(search.value.trim())}`);
    head.textContent = `Serial ${page.serial}. ${page.editable ? 'An API zone: records can be added, changed and deleted.' : 'Read-only here: this zone comes from another source.'}`;
    info.textContent = page.names === 0 ? 'No owner names match.' : `Owner names ${offset + 1}–${Math.min(offset + PAGE, page.names)} of ${page.names}`;
    prev.disabled = offset === 0;
    next.disabled = offset + PAGE >= page.names;
    body.replaceChildren(...page.rrsets.flatMap((set) => set.records.map((value) => h('tr', {},
      h('td', {}, set.owner),
      h('td', {}, set.type),
      h('td', {}, set.ttl),
      h('td', { class: 'rdata' }, value),
      page.editable ? h('td', {},
        h('button', { type: 'button', 'aria-label': `Edit ${set.owner} ${set.type} ${value}`, onclick: () => openForm({ owner: set.owner, type: set.type, ttl: set.ttl, value }) }, 'Edit'), ' ',
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${set.owner} ${set.type} ${value}`, onclick: () => removeRecord(set, value) }, 'Delete')) : null,
    ))));
    actions.replaceChildren(...(page.editable ? [
      h('button', { type: 'button', class: 'primary', onclick: () => openForm(null) }, 'Add record'),
      h('button', { type: 'button', class: 'danger', onclick: deleteZone }, 'Delete zone'),
    ] : []));
  };

  const rrsetPath = (owner, type) => `/zones/${encodeURIComponent(origin)}/records/${encodeURIComponent(owner)}/${encodeURIComponent(type)}`;
  /** The RRset as the server has it now (empty if none). */
  const current = async (owner, type) => {
    try {
      return await api('GET', rrsetPath(owner, type));
    } catch (x) {
      if (x.status === 404) return { ttl: undefined, records: [] };
      throw x;
    }
  };
  const saved = async (r) => {
    done.textContent = r.changed === false ? `Nothing changed (serial ${r.serial}).` : `Saved. New serial ${r.serial}.`;
    formSlot.replaceChildren();
    await load();
  };

  function openForm(editing) {
    err.textContent = '';
    done.textContent = '';
    const name = h('input', { id: 'rec-name', required: true, value: editing?.owner ?? '', placeholder: 'www (relative) or www.example.com.' });
    const type = h('input', { id: 'rec-type', required: true, value: editing?.type ?? 'A', list: 'rec-types', autocapitalize: 'characters' });
    const ttl = h('input', { id: 'rec-ttl', type: 'number', min: 0, max: 2147483647, value: editing?.ttl ?? 3600 });
    const value = h('input', { id: 'rec-value', required: true, value: editing?.value ?? '', placeholder: '192.0.2.1' });
    const types = h('datalist', { id: 'rec-types' }, ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA', 'PTR', 'HTTPS', 'SVCB', 'DS', 'SOA'].map((t) => h('option', { value: t })));
    const form = h('form', { class: 'card', 'aria-label': editing ? 'Change record' : 'Add record', onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      done.textContent = '';
      try {
        const owner = name.value.trim();
        const t = type.value.trim().toUpperCase();
        const have = await current(owner, t);
        let records = [...have.records];
        if (editing && editing.owner === owner && editing.type === t) records = records.filter((r) => r !== editing.value);
        if (!records.includes(value.value.trim())) records.push(value.value.trim());
        const r = await api('PUT', rrsetPath(owner, t), { ttl: Number(ttl.value), records });
        // A record moved to another owner or type leaves its old RRset.
        if (editing && (editing.owner !== owner || editing.type !== t)) await dropValue(editing.owner, editing.type, editing.value);
        await saved(r);
      } catch (x) {
        if (x.status !== 401) err.textContent = x.message;
      }
    } },
    h('label', { for: 'rec-name' }, 'Name', name),
    h('label', { for: 'rec-type' }, 'Type', type), types,
    h('label', { for: 'rec-ttl' }, 'TTL', ttl),
    h('label', { for: 'rec-value' }, 'Value', value),
    h('button', { type: 'submit', class: 'primary' }, 'Save'),
    h('button', { type: 'button', onclick: () => formSlot.replaceChildren() }, 'Cancel'));
    formSlot.replaceChildren(form);
    name.focus();
  }

  async function dropValue(owner, type, value) {
    const have = await current(owner, type);
    const left = have.records.filter((r) => r !== value);
    if (left.length === have.records.length) return null;
    return left.length === 0 ? api('DELETE', rrsetPath(owner, type)) : api('PUT', rrsetPath(owner, type), { ttl: have.ttl, records: left });
  }

  async function removeRecord(set, value) {
    err.textContent = '';
    done.textContent = '';
    if (!confirm(`Delete ${set.owner} ${set.type} ${value}?`)) return;
    try {
      const r = await dropValue(set.owner, set.type, value);
      if (r) await saved(r);
    } catch (x) {
      if (x.status !== 401) err.textContent = x.message;
    }
  }

  async function deleteZone() {
    if (!confirm(`Delete the zone ${origin} and all its records?`)) return;
    try {
      await api('DELETE', `/zones/${encodeURIComponent(origin)}`);
      location.hash = '#/zones';
    } catch (x) {
      if (x.status !== 401) err.textContent = x.message;
    }
  }

  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { offset = 0; load().catch(fail); }, 250);
  });
  prev.addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load().catch(fail); });
  next.addEventListener('click', () => { offset += PAGE; load().catch(fail); });
  const fail = (x) => { if (x.status !== 401) err.textContent = x.message; };

  show(origin, head, actions, formSlot, err, done,
    h('div', { class: 'toolbar' }, h('label', { for: 'record-search' }, 'Search records', search)),
    info,
    h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', { class: 'muted', text: `Records of ${origin}` }),
      h('thead', {}, h('tr', {}, ['Name', 'Type', 'TTL', 'Value'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span', { class: 'muted', text: 'Actions' })))),
      body)),
    h('div', { class: 'pager' }, prev, next));
  stopView = () => clearTimeout(timer);
  await load();
}

// --- services -------------------------------------------------------------------------------

async function servicesView() {
  const box = h('div', { 'aria-live': 'polite' });
  const refresh = async () => {
    const { sources } = await api('GET', '/console/services');
    if (sources.length === 0) {
      box.replaceChildren(h('p', { class: 'muted', text: 'No services file is served (--services FILE).' }));
      return;
    }
    box.replaceChildren(...sources.flatMap((src) => [
      h('h2', {}, `${src.zone} `, h('span', { class: 'muted', text: `(${src.file})` })),
      ...src.services.map((s) => h('section', { class: 'card', 'aria-label': `Service ${s.id}` },
        h('h3', { text: `${s.id}` }),
        h('p', { class: 'muted', text: `${s.check ? `${s.check} check` : 'no check'}; ${s.replicas} answered per name; ${s.failClosed ? 'fail closed' : 'fail open'}` }),
        h('div', { class: 'table-wrap' }, h('table', {},
          h('caption', { class: 'muted', text: 'Endpoints' }),
          h('thead', {}, h('tr', {}, ['Endpoint', 'State', 'Last check', 'Answered now'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, s.endpoints.map((e) => {
            const answered = s.names.filter((n) => n.answered.includes(e.address)).map((n) => n.name);
            return h('tr', {},
              h('td', {}, e.address),
              h('td', { class: `state-${e.state}` }, e.state),
              h('td', {}, e.lastCheck ? `${fmtDate(e.lastCheck)} (${e.lastOk ? 'ok' : 'failed'})` : '–'),
              h('td', {}, answered.length > 0 ? answered.join(', ') : 'no'));
          })))),
        h('ul', {}, s.names.map((n) => h('li', {}, h('code', { text: n.name }), ' → ', n.answered.length > 0 ? n.answered.join(', ') : 'nothing'))))),
    ]));
  };
  show('Services', box);
  await refresh();
  const timer = setInterval(() => refresh().catch(() => {}), 2000);
  stopView = () => clearInterval(timer);
}

// --- traffic --------------------------------------------------------------------------------

const COLORS = ['#0b5cad', '#a3161b', '#1a7f37', '#8a5a00', '#6f42c1', '#0a7a8a', '#b0358b', '#57606a'];
const WINDOW = 150; // samples (5 minutes at one every 2 s)

/** Prometheus text → [{name, labels, value}]. */
function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

/** Sum `name` by one label. */
function sumBy(samples, name, label) {
  const sums = new Map();
  for (const s of samples) if (s.name === name) sums.set(s.labels[label] ?? '', (sums.get(s.labels[label] ?? '') ?? 0) + s.value);
  return sums;
}

function chart(title, all) {
  const w = 600;
  const hgt = 160;
  // Series that never moved are named under the chart, not drawn.
  const series = new Map([...all].filter(([, v]) => v.some((x) => x > 0)));
  const idle = [...all.keys()].filter((k) => !series.has(k));
  const max = Math.max(1, ...[...series.values()].flat());
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  const latest = [...series.entries()].map(([k, v]) => `${k || 'all'} ${(v.at(-1) ?? 0).toFixed(1)}/s`).join(', ');
  svg.setAttribute('aria-label', `${title}: ${latest || 'nothing in the last 5 minutes'}`);
  let i = 0;
  for (const [, values] of series) {
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', COLORS[i++ % COLORS.length]);
    line.setAttribute('stroke-width', '2');
    line.setAttribute('vector-effect', 'non-scaling-stroke');
    line.setAttribute('points', values.map((v, x) => `${(x * w) / (WINDOW - 1)},${hgt - 2 - (v / max) * (hgt - 4)}`).join(' '));
    svg.append(line);
  }
  const legend = h('ul', { class: 'legend' }, [...series.entries()].map(([k, v], j) => h('li', {}, h('span', { style: `background:${COLORS[j % COLORS.length]}` }), `${k || 'all'}: ${(v.at(-1) ?? 0).toFixed(1)}/s`)));
  return h('figure', {},
    h('figcaption', { text: title }),
    h('div', { class: 'muted axis', text: `top: ${max.toFixed(1)}/s` }),
    svg, legend,
    idle.length > 0 ? h('p', { class: 'muted idle', text: `none: ${idle.join(', ')}` }) : null);
}

async function trafficView() {
  const grid = h('div', { class: 'charts' });
  const history = { rcode: new Map(), transport: new Map(), dropped: new Map(), rrl: new Map() };
  let last = null;
  const sample = async () => {
    const res = await fetch('/metrics');
    const now = performance.now();
    const samples = parseMetrics(await res.text());
    const current = {
      rcode: sumBy(samples, 'peregrine_queries_total', 'rcode'),
      transport: sumBy(samples, 'peregrine_queries_total', 'transport'),
      dropped: sumBy(samples, 'peregrine_dropped_total', 'reason'),
      rrl: sumBy(samples, 'peregrine_rrl_total', 'action'),
    };
    if (last !== null) {
      const dt = (now - last.at) / 1000;
      for (const key of Object.keys(history)) {
        for (const [label, value] of current[key]) {
          const rate = Math.max(0, (value - (last.values[key].get(label) ?? 0)) / dt);
          const series = history[key].get(label) ?? Array(WINDOW).fill(0);
          series.push(rate);
          while (series.length > WINDOW) series.shift();
          history[key].set(label, series);
        }
      }
    }
    last = { at: now, values: current };
    grid.replaceChildren(
      chart('Queries by rcode', history.rcode),
      chart('Queries by transport', history.transport),
      chart('Drops by reason', history.dropped),
      chart('Rate limiting (RRL)', history.rrl),
    );
  };
  show('Traffic', h('p', { class: 'muted', text: 'Per second over the last 5 minutes, from the counters of /metrics (sampled every 2 s while this page is open).' }), grid);
  await sample();
  const timer = setInterval(() => sample().catch(() => {}), 2000);
  stopView = () => clearInterval(timer);
}

// --- ask ------------------------------------------------------------------------------------

function askView() {
  const name = h('input', { id: 'ask-name', required: true, placeholder: 'www.example.com' });
  const type = h('input', { id: 'ask-type', value: 'A', list: 'ask-types', autocapitalize: 'characters' });
  const dnssec = h('input', { id: 'ask-do', type: 'checkbox' });
  const out = h('pre', { class: 'dig', 'aria-live': 'polite', hidden: true });
  const err = alertBox();
  const form = h('form', { class: 'card', 'aria-label': 'Ask', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      const r = await api('GET', `/console/ask?name=${encodeURIComponent(name.value.trim())}&type=${encodeURIComponent(type.value.trim())}&do=${dnssec.checked ? 1 : 0}`);
      out.textContent = r.text;
      out.hidden = false;
    } catch (x) {
      if (x.status !== 401) err.textContent = x.message;
    }
  } },
  h('label', { for: 'ask-name' }, 'Name', name),
  h('label', { for: 'ask-type' }, 'Type', type),
  h('datalist', { id: 'ask-types' }, ['A', 'AAAA', 'NS', 'SOA', 'MX', 'TXT', 'CNAME', 'SRV', 'CAA', 'DS', 'DNSKEY', 'ANY'].map((t) => h('option', { value: t }))),
  h('label', { class: 'inline', for: 'ask-do' }, dnssec, 'DNSSEC (DO)'),
  h('button', { type: 'submit', class: 'primary' }, 'Ask'));
  show('Ask', h('p', { class: 'muted', text: 'The answer this server sends, section by section, as dig prints it.' }), form, err, out);
  name.focus();
}

// --- routing --------------------------------------------------------------------------------

async function route() {
  const hash = location.hash || '#/zones';
  for (const a of document.querySelectorAll('nav a')) {
    if (hash.startsWith(a.getAttribute('href')) || (hash.startsWith('#/zone/') && a.getAttribute('href') === '#/zones')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (hash.startsWith('#/zone/')) await zoneView(decodeURIComponent(hash.slice('#/zone/'.length)));
    else if (hash === '#/services') await servicesView();
    else if (hash === '#/traffic') await trafficView();
    else if (hash === '#/ask') askView();
    else await zonesView();
    main.focus({ preventScroll: true });
  } catch (x) {
    if (x.status !== 401) show('Error', h('p', { role: 'alert', text: x.message }));
  }
}

async function start() {
  window.addEventListener('hashchange', route);
  try {
    const s = await api('GET', '/console/session');
    signOut.hidden = !s.tokenRequired;
  } catch (x) {
    if (x.status === 401) return; // the sign-in form is shown
    throw x;
  }
  await route();
}

void start();
